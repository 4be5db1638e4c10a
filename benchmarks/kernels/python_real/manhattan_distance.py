# style: validation, raise, all-any, zip, sum-gen, int-float-union
from typing import List, Union

Number = Union[int, float]


def manhattan_distance(point_a: List[Number], point_b: List[Number]) -> float:
    """
    Sum of the absolute coordinate differences of two points.

    >>> manhattan_distance([1, 1], [2, 2])
    2.0
    >>> manhattan_distance([1.5, -3], [0, 2.5])
    7.0
    >>> manhattan_distance([1, "x"], [1, 2])
    Traceback (most recent call last):
        ...
    TypeError: expected a list of numbers
    """
    if len(point_a) != len(point_b):
        raise ValueError("both points must have the same dimension")
    if not all(isinstance(c, (int, float)) for c in point_a + point_b):
        raise TypeError("expected a list of numbers")
    return float(sum(abs(a - b) for a, b in zip(point_a, point_b)))
