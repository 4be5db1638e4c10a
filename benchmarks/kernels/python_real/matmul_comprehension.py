# style: alias, nested-listcomp, zip, sum-gen, matmul

Matrix = list[list[float]]


def matmul_comprehension(a: Matrix, b: Matrix) -> Matrix:
    """
    Matrix product as a nested comprehension over the rows of a and the columns of b.

    >>> matmul_comprehension([[1, 2], [3, 4]], [[5, 6], [7, 8]])
    [[19, 22], [43, 50]]
    >>> matmul_comprehension([[0.5, 0.5]], [[2.0], [4.0]])
    [[3.0]]
    """
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]
