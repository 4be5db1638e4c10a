# style: validation, raise, len, float
from typing import List


def mean(xs: List[float]) -> float:
    """
    Arithmetic mean of a non-empty list.

    >>> mean([1, 2, 3, 4])
    2.5
    >>> mean([0.5])
    0.5
    >>> mean([])
    Traceback (most recent call last):
        ...
    ValueError: mean requires at least one data point
    """
    if not xs:
        raise ValueError("mean requires at least one data point")
    return sum(xs) / len(xs)
