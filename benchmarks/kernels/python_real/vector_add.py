# style: alias, assert, zip, listcomp, float

Vector = list[float]


def vector_add(v: Vector, w: Vector) -> Vector:
    """
    Adds corresponding elements.

    >>> vector_add([1, 2, 3], [4, 5, 6])
    [5, 7, 9]
    >>> vector_add([0.25], [0.5])
    [0.75]
    """
    assert len(v) == len(w), "vectors must be the same length"
    return [v_i + w_i for v_i, w_i in zip(v, w)]
