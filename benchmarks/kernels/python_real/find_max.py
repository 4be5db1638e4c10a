# style: validation, raise, len, for-each, int-float-union


def find_max(nums: list[int | float]) -> int | float:
    """
    Return the largest number of a non-empty list.

    >>> find_max([2, 4, 9, 7, 19, 94, 5])
    94
    >>> find_max([3.0, 3.1, 2.9])
    3.1
    >>> find_max([2.0, 2.5, -0.875])
    2.5
    >>> find_max([])
    Traceback (most recent call last):
        ...
    ValueError: find_max() arg is an empty sequence
    """
    if len(nums) == 0:
        raise ValueError("find_max() arg is an empty sequence")
    max_num = nums[0]
    for x in nums:
        if x > max_num:
            max_num = x
    return max_num
