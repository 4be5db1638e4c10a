# style: step-range, len


def alternating_sum(nums: list[int]) -> int:
    """
    nums[0] - nums[1] + nums[2] - ..., summing even and odd positions in two stepped loops.

    >>> alternating_sum([5, 1, 4, 2, 3])
    9
    >>> alternating_sum([])
    0
    """
    even = 0
    for i in range(0, len(nums), 2):
        even += nums[i]
    odd = 0
    for i in range(1, len(nums), 2):
        odd += nums[i]
    return even - odd
