# style: all-any, len


def is_sorted(nums: list[int]) -> bool:
    """
    True when the list is in non-decreasing order.

    >>> is_sorted([1, 2, 2, 9])
    True
    >>> is_sorted([3, 1])
    False
    >>> is_sorted([])
    True
    """
    return all(nums[i] <= nums[i + 1] for i in range(len(nums) - 1))
