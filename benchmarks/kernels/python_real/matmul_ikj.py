# style: assert, enumerate, zeros-list, matmul


def matmul_ikj(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """
    Matrix product in i-k-j loop order: each a[i][k] scales row k of b into row i of the result.

    >>> matmul_ikj([[1, 2], [3, 4]], [[5, 6], [7, 8]])
    [[19, 22], [43, 50]]
    >>> matmul_ikj([[2]], [[3, 4, 5]])
    [[6, 8, 10]]
    """
    assert len(a[0]) == len(b), "inner dimensions must agree"
    cols = len(b[0])
    result = [[0] * cols for _ in a]
    for i, row in enumerate(a):
        out = result[i]
        for k, a_ik in enumerate(row):
            b_row = b[k]
            for j in range(cols):
                out[j] += a_ik * b_row[j]
    return result
