# The sum of each column of an m x n matrix.


def column_sums(matrix: list[list[int]], m: int, n: int) -> list[int]:
    sums = [0] * n
    for i in range(m):
        for j in range(n):
            sums[j] += matrix[i][j]
    return sums
