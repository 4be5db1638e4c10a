# style: len, nested-listcomp


def transpose(matrix: list[list[int]]) -> list[list[int]]:
    """
    Rows become columns.

    >>> transpose([[1, 2, 3], [4, 5, 6]])
    [[1, 4], [2, 5], [3, 6]]
    >>> transpose([[7]])
    [[7]]
    """
    return [[row[i] for row in matrix] for i in range(len(matrix[0]))]
