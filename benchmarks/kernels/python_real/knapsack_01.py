# style: assert, zip, backward-range, zeros-list, dp


def knapsack_01(weights: list[int], values: list[int], capacity: int) -> int:
    """
    Best total value of items (each taken at most once) whose weights fit in capacity,
    with a one-row table filled from the right.

    >>> knapsack_01([1, 3, 4, 5], [1, 4, 5, 7], 7)
    9
    >>> knapsack_01([10], [5], 3)
    0
    """
    assert len(weights) == len(values), "weights and values must have the same length"
    dp = [0] * (capacity + 1)
    for weight, value in zip(weights, values):
        for w in range(capacity, weight - 1, -1):
            dp[w] = max(dp[w], dp[w - weight] + value)
    return dp[capacity]
