# style: len, default-param


def count_pairs_with_sum(nums: list[int], target: int = 0) -> int:
    """
    Number of index pairs i < j with nums[i] + nums[j] == target.

    >>> count_pairs_with_sum([1, 5, 7, -1, 5], 6)
    3
    >>> count_pairs_with_sum([3, -3, 0, 0])
    2
    """
    count = 0
    n = len(nums)
    for i in range(n):
        for j in range(i + 1, n):
            if nums[i] + nums[j] == target:
                count += 1
    return count
