# style: tuple, for-each, len, zeros-list, dp, box-sum


def region_sums(
    grid: list[list[int]], regions: list[tuple[int, int, int, int]]
) -> list[int]:
    """
    Sums of rectangular regions (top, left, bottom, right; inclusive) from one 2-D prefix-sum table.

    >>> grid = [[3, 0, 1, 4], [5, 6, 3, 2], [1, 2, 0, 1]]
    >>> region_sums(grid, [(0, 0, 2, 3), (1, 1, 2, 2), (2, 3, 2, 3)])
    [28, 11, 1]
    >>> region_sums([[1]], [])
    []
    """
    rows, cols = len(grid), len(grid[0])
    pre = [[0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows):
        row_total = 0
        for c in range(cols):
            row_total += grid[r][c]
            pre[r + 1][c + 1] = pre[r][c + 1] + row_total
    sums = []
    for top, left, bottom, right in regions:
        sums.append(
            pre[bottom + 1][right + 1] - pre[top][right + 1] - pre[bottom + 1][left] + pre[top][left]
        )
    return sums
