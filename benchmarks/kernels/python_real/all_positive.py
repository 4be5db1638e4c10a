# style: all-any


def all_positive(nums: list[int]) -> bool:
    """
    True when every number is strictly positive (and for an empty list).

    >>> all_positive([1, 2, 3])
    True
    >>> all_positive([1, 0, 3])
    False
    >>> all_positive([])
    True
    """
    return all(x > 0 for x in nums)
