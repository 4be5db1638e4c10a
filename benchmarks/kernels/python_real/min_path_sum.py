# style: validation, raise, nested-listcomp, dp


def min_path_sum(grid: list[list[int]]) -> int:
    """
    Cheapest path from the top-left to the bottom-right cell moving only right or down.

    >>> min_path_sum([[1, 3, 1], [1, 5, 1], [4, 2, 1]])
    7
    >>> min_path_sum([[5]])
    5
    >>> min_path_sum([])
    Traceback (most recent call last):
        ...
    TypeError: the grid does not contain the appropriate information
    """
    if not grid or not grid[0]:
        raise TypeError("the grid does not contain the appropriate information")
    rows, cols = len(grid), len(grid[0])
    cost = [[grid[r][c] for c in range(cols)] for r in range(rows)]
    for c in range(1, cols):
        cost[0][c] += cost[0][c - 1]
    for r in range(1, rows):
        cost[r][0] += cost[r - 1][0]
        for c in range(1, cols):
            cost[r][c] += min(cost[r - 1][c], cost[r][c - 1])
    return cost[-1][-1]
