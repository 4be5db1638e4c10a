# style: validation, raise, slice, len, listcomp, default-param, float


def moving_average(xs: list[float], window: int = 3) -> list[float]:
    """
    Means of every run of `window` consecutive values (len(xs) - window + 1 of them).

    >>> moving_average([1, 2, 3, 4, 5])
    [2.0, 3.0, 4.0]
    >>> moving_average([1.0, 2.0, 4.0, 8.0], window=2)
    [1.5, 3.0, 6.0]
    >>> moving_average([1, 2], window=0)
    Traceback (most recent call last):
        ...
    ValueError: window must be a positive integer
    """
    if window <= 0:
        raise ValueError("window must be a positive integer")
    return [sum(xs[i : i + window]) / window for i in range(len(xs) - window + 1)]
