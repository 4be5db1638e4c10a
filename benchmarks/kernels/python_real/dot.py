# style: alias, assert, zip, sum-gen, float

Vector = list[float]


def dot(v: Vector, w: Vector) -> float:
    """
    Computes v_1 * w_1 + ... + v_n * w_n.

    >>> dot([1, 2, 3], [4, 5, 6])
    32
    >>> dot([0.5, -1.5], [2.0, 2.0])
    -2.0
    """
    assert len(v) == len(w), "vectors must be same length"
    return sum(v_i * w_i for v_i, w_i in zip(v, w))
