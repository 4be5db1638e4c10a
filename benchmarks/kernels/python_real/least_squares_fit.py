# style: validation, raise, len, zip, tuple-return, float, module-const

EPSILON = 1e-12


def least_squares_fit(x: list[float], y: list[float]) -> tuple[float, float]:
    """
    Slope and intercept of the least-squares line y = slope * x + intercept.

    >>> least_squares_fit([0, 1, 2, 3], [1, 3, 5, 7])
    (2.0, 1.0)
    >>> least_squares_fit([1, 1], [2, 3])
    Traceback (most recent call last):
        ...
    ValueError: x values must not all be equal
    """
    if len(x) != len(y) or len(x) < 2:
        raise ValueError("need two equal-length lists of at least two points")
    n = len(x)
    mean_x = sum(x) / n
    mean_y = sum(y) / n
    sxy = sxx = 0.0
    for xi, yi in zip(x, y):
        sxy += (xi - mean_x) * (yi - mean_y)
        sxx += (xi - mean_x) ** 2
    if sxx < EPSILON:
        raise ValueError("x values must not all be equal")
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x
