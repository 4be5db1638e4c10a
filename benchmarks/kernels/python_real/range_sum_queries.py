# style: tuple, enumerate, listcomp, zeros-list, prefix-sum, dp


def range_sum_queries(nums: list[int], queries: list[tuple[int, int]]) -> list[int]:
    """
    Answers inclusive range-sum queries (left, right) with one prefix-sum pass.

    >>> range_sum_queries([1, 2, 3, 4, 5], [(0, 4), (1, 3), (2, 2)])
    [15, 9, 3]
    >>> range_sum_queries([-1, 7], [])
    []
    """
    prefix = [0] * (len(nums) + 1)
    for i, x in enumerate(nums):
        prefix[i + 1] = prefix[i] + x
    return [prefix[right + 1] - prefix[left] for left, right in queries]
