# style: validation, raise, len, zip, float
import math


def rmse(predictions: list[float], targets: list[float]) -> float:
    """
    Root mean squared error between predictions and targets.

    >>> rmse([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    0.0
    >>> rmse([2, 4], [1, 1])
    2.23606797749979
    >>> rmse([1.0], [])
    Traceback (most recent call last):
        ...
    ValueError: predictions and targets must be non-empty and of equal length
    """
    if not predictions or len(predictions) != len(targets):
        raise ValueError("predictions and targets must be non-empty and of equal length")
    total = 0.0
    for p, t in zip(predictions, targets):
        total += (p - t) ** 2
    return math.sqrt(total / len(predictions))
