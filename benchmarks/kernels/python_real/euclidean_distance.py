# style: alias, zip, sum-gen, float
import math

Vector = list[float]


def euclidean_distance(v: Vector, w: Vector) -> float:
    """
    Straight-line distance between two points of the same dimension.

    >>> euclidean_distance([0, 0], [3, 4])
    5.0
    >>> euclidean_distance([1.5, 2.0, -1.0], [1.5, 2.0, -1.0])
    0.0
    """
    return math.sqrt(sum((v_i - w_i) ** 2 for v_i, w_i in zip(v, w)))
