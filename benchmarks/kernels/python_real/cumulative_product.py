# style: len, zeros-list, dp, large-int


def cumulative_product(nums: list[int]) -> list[int]:
    """
    out[i] is nums[0] * ... * nums[i], exact however large.

    >>> cumulative_product([1, 2, 3, 4])
    [1, 2, 6, 24]
    >>> cumulative_product([10**10] * 3)[-1]
    1000000000000000000000000000000
    >>> cumulative_product([])
    []
    """
    n = len(nums)
    out = [0] * n
    for i in range(n):
        out[i] = nums[i] if i == 0 else out[i - 1] * nums[i]
    return out
