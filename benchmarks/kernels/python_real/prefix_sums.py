# style: len, zeros-list, dp, prefix-sum


def prefix_sums(nums: list[int]) -> list[int]:
    """
    prefix[i] is the sum of the first i numbers (so prefix has len(nums) + 1 entries).

    >>> prefix_sums([3, 1, 4, 1, 5])
    [0, 3, 4, 8, 9, 14]
    >>> prefix_sums([])
    [0]
    """
    prefix = [0] * (len(nums) + 1)
    for i in range(len(nums)):
        prefix[i + 1] = prefix[i] + nums[i]
    return prefix
