# Matrix product of an m x k matrix and a k x n matrix.


def matmul(
    a: list[list[int]], b: list[list[int]], m: int, k: int, n: int
) -> list[list[int]]:
    c = []
    for i in range(m):
        row = []
        for j in range(n):
            acc = 0
            for p in range(k):
                acc += a[i][p] * b[p][j]
            row.append(acc)
        c.append(row)
    return c
