# style: validation, raise, slice, for-each, kadane


def max_subarray_sum(nums: list[int]) -> int:
    """
    Largest sum of a non-empty contiguous subarray (Kadane's algorithm).

    >>> max_subarray_sum([-2, 1, -3, 4, -1, 2, 1, -5, 4])
    6
    >>> max_subarray_sum([-3, -1, -2])
    -1
    >>> max_subarray_sum([])
    Traceback (most recent call last):
        ...
    ValueError: input list must not be empty
    """
    if not nums:
        raise ValueError("input list must not be empty")
    best = current = nums[0]
    for x in nums[1:]:
        current = max(x, current + x)
        best = max(best, current)
    return best
