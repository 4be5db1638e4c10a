# Matrix-vector product of an m x n matrix with a vector.


def gemv(a: list[list[int]], x: list[int], m: int, n: int) -> list[int]:
    y: list[int] = []
    for i in range(m):
        acc = 0
        for j in range(n):
            acc += a[i][j] * x[j]
        y.append(acc)
    return y
