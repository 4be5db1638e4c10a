# style: len, zeros-list, dp, box-sum


def summed_area_table(grid: list[list[int]]) -> list[list[int]]:
    """
    table[i][j] is the sum of grid[r][c] over r < i and c < j (one extra row and column of zeros).

    >>> summed_area_table([[1, 2], [3, 4]])
    [[0, 0, 0], [0, 1, 3], [0, 4, 10]]
    >>> summed_area_table([])
    [[0]]
    """
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            table[i][j] = (
                grid[i - 1][j - 1] + table[i - 1][j] + table[i][j - 1] - table[i - 1][j - 1]
            )
    return table
