# style: assert, len, min-max-gen, float
import math


def closest_pair_distance(points: list[tuple[float, float]]) -> float:
    """
    Smallest distance between two of the points (brute force over all pairs).

    >>> closest_pair_distance([(0, 0), (3, 4), (1, 1)])
    1.4142135623730951
    >>> closest_pair_distance([(2.5, 0.0), (2.5, 0.5)])
    0.5
    """
    assert len(points) >= 2, "need at least two points"
    return min(
        math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1])
        for i in range(len(points))
        for j in range(i + 1, len(points))
    )
