# style: validation, raise, len, zeros-list, matmul


def matmul_loops(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """
    Matrix product with three explicit index loops.

    >>> matmul_loops([[1, 2], [3, 4]], [[5, 6], [7, 8]])
    [[19, 22], [43, 50]]
    >>> matmul_loops([[1, 2, 3]], [[1], [1], [1]])
    [[6]]
    >>> matmul_loops([[1, 2]], [[1, 2]])
    Traceback (most recent call last):
        ...
    ValueError: incompatible shapes: 1x2 times 1x2
    """
    n, m = len(a), len(a[0])
    if len(b) != m:
        raise ValueError(f"incompatible shapes: {n}x{m} times {len(b)}x{len(b[0])}")
    p = len(b[0])
    c = [[0] * p for _ in range(n)]
    for i in range(n):
        for j in range(p):
            for k in range(m):
                c[i][j] += a[i][k] * b[k][j]
    return c
