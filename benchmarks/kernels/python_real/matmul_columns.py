# style: alias, validation, raise, all-any, nested-listcomp, zip, sum-gen, matmul, float
from typing import List

Matrix = List[List[float]]


def matmul_columns(a: Matrix, b: Matrix) -> Matrix:
    """
    Matrix product via an explicit transpose of b: entry (i, j) is row i of a dotted with column j of b.

    >>> matmul_columns([[1, 0], [0, 1]], [[4, 1], [2, 2]])
    [[4, 1], [2, 2]]
    >>> matmul_columns([[1.5, 2.0]], [[2.0], [0.25]])
    [[3.5]]
    >>> matmul_columns([[1, 2]], [[3, 4]])
    Traceback (most recent call last):
        ...
    ValueError: columns of a must equal rows of b
    """
    if any(len(row) != len(b) for row in a):
        raise ValueError("columns of a must equal rows of b")
    columns = [[row[j] for row in b] for j in range(len(b[0]))]
    return [[sum(x * y for x, y in zip(row, col)) for col in columns] for row in a]
