# style: len, backward-range, zeros-list, running-max, zip, sum-gen


def trapped_rain_water(heights: list[int]) -> int:
    """
    Units of water held between bars of the given heights (left and right running maxima).

    >>> trapped_rain_water([0, 1, 0, 2, 1, 0, 1, 3, 2, 1, 2, 1])
    6
    >>> trapped_rain_water([4, 2, 0, 3, 2, 5])
    9
    >>> trapped_rain_water([])
    0
    """
    n = len(heights)
    if n == 0:
        return 0
    left_max = [0] * n
    right_max = [0] * n
    left_max[0] = heights[0]
    for i in range(1, n):
        left_max[i] = max(left_max[i - 1], heights[i])
    right_max[n - 1] = heights[n - 1]
    for i in range(n - 2, -1, -1):
        right_max[i] = max(right_max[i + 1], heights[i])
    return sum(min(lm, rm) - h for lm, rm, h in zip(left_max, right_max, heights))
