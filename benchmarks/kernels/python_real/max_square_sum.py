# style: validation, raise, module-const, zeros-list, dp, box-sum

NEG_INF = float("-inf")


def max_square_sum(matrix: list[list[int]], k: int) -> int | float:
    """
    Largest sum of a k x k block of the matrix, using a 2-D prefix-sum table;
    -inf when the matrix is smaller than k x k.

    >>> max_square_sum([[1, 1, 1], [1, 9, 1], [1, 1, 1]], 2)
    12
    >>> max_square_sum([[5]], 2)
    -inf
    >>> max_square_sum([[1]], 0)
    Traceback (most recent call last):
        ...
    ValueError: k must be positive
    """
    if k <= 0:
        raise ValueError("k must be positive")
    n = len(matrix)
    m = len(matrix[0]) if n else 0
    pre = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            pre[i + 1][j + 1] = matrix[i][j] + pre[i][j + 1] + pre[i + 1][j] - pre[i][j]
    best = NEG_INF
    for i in range(k, n + 1):
        for j in range(k, m + 1):
            s = pre[i][j] - pre[i - k][j] - pre[i][j - k] + pre[i - k][j - k]
            if s > best:
                best = s
    return best
