# style: alias, assert, all-any, len, listcomp, sum-gen

Vector = list[float]


def vector_sum(vectors: list[Vector]) -> Vector:
    """
    Sums all corresponding elements of a non-empty list of equal-length vectors.

    >>> vector_sum([[1, 2], [3, 4], [5, 6], [7, 8]])
    [16, 20]
    >>> vector_sum([[0.5, 1.5, 2.5]])
    [0.5, 1.5, 2.5]
    """
    assert vectors, "no vectors provided!"
    num_elements = len(vectors[0])
    assert all(len(v) == num_elements for v in vectors), "different sizes!"
    return [sum(vector[i] for vector in vectors) for i in range(num_elements)]
