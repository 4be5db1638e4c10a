# style: validation, raise, len, sum-gen, default-param, float


def variance(xs: list[float], ddof: int = 0) -> float:
    """
    Variance of the data: the mean squared deviation, divided by n - ddof.

    >>> variance([2, 4, 4, 4, 5, 5, 7, 9])
    4.0
    >>> variance([1.0, 2.0, 3.0, 4.0], ddof=1)
    1.6666666666666667
    >>> variance([1.0], ddof=1)
    Traceback (most recent call last):
        ...
    ValueError: variance needs more than ddof data points
    """
    n = len(xs)
    if n <= ddof:
        raise ValueError("variance needs more than ddof data points")
    mu = sum(xs) / n
    return sum((x - mu) ** 2 for x in xs) / (n - ddof)
