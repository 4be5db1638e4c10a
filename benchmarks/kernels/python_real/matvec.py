# style: alias, validation, raise, all-any, listcomp, zip, sum-gen, float

Vector = list[float]
Matrix = list[list[float]]


def matvec(matrix: Matrix, v: Vector) -> Vector:
    """
    Matrix-vector product: one dot product per row.

    >>> matvec([[1, 2], [3, 4], [5, 6]], [1, -1])
    [-1, -1, -1]
    >>> matvec([[0.5, 0.5]], [2.0, 4.0])
    [3.0]
    >>> matvec([[1, 2]], [1])
    Traceback (most recent call last):
        ...
    ValueError: every row must have len(v) entries
    """
    if not all(len(row) == len(v) for row in matrix):
        raise ValueError("every row must have len(v) entries")
    return [sum(m_ij * v_j for m_ij, v_j in zip(row, v)) for row in matrix]
