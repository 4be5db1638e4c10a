# style: validation, raise, for-each, tuple, kadane


def max_circular_subarray(nums: list[int]) -> int:
    """
    Largest sum of a non-empty contiguous subarray when the list wraps around:
    the best of the plain Kadane maximum and the total minus the Kadane minimum.

    >>> max_circular_subarray([5, -3, 5])
    10
    >>> max_circular_subarray([-3, -2, -3])
    -2
    >>> max_circular_subarray([1, -2, 3, -2])
    3
    >>> max_circular_subarray([])
    Traceback (most recent call last):
        ...
    ValueError: empty input
    """
    if not nums:
        raise ValueError("empty input")
    total = 0
    cur_max, best_max = 0, nums[0]
    cur_min, best_min = 0, nums[0]
    for x in nums:
        total += x
        cur_max = max(cur_max + x, x)
        best_max = max(best_max, cur_max)
        cur_min = min(cur_min + x, x)
        best_min = min(best_min, cur_min)
    if best_max < 0:
        return best_max
    return max(best_max, total - best_min)
