# style: reversed, len, zeros-list, dp, prefix-sum


def suffix_sums(nums: list[int]) -> list[int]:
    """
    suffix[i] is nums[i] + nums[i + 1] + ... + nums[-1].

    >>> suffix_sums([1, 2, 3, 4])
    [10, 9, 7, 4]
    >>> suffix_sums([])
    []
    """
    n = len(nums)
    suffix = [0] * n
    running = 0
    for i in reversed(range(n)):
        running += nums[i]
        suffix[i] = running
    return suffix
