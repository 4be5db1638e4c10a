# style: all-any, zip, slice


def has_adjacent_duplicates(nums: list[int]) -> bool:
    """
    True when two neighbouring entries are equal.

    >>> has_adjacent_duplicates([1, 2, 2, 3])
    True
    >>> has_adjacent_duplicates([1, 2, 1])
    False
    >>> has_adjacent_duplicates([])
    False
    """
    return any(a == b for a, b in zip(nums, nums[1:]))
