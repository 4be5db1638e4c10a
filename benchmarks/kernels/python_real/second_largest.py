# style: validation, raise, tuple, for-each, module-const

_NEG_INF = float("-inf")


def second_largest(nums: list[int]) -> int | float:
    """
    The second largest value counting repeats (the largest itself if it occurs twice).

    >>> second_largest([10, 20, 4, 45, 99])
    45
    >>> second_largest([7, 7, 1])
    7
    >>> second_largest([3])
    Traceback (most recent call last):
        ...
    ValueError: need at least two numbers
    """
    if len(nums) < 2:
        raise ValueError("need at least two numbers")
    first, second = _NEG_INF, _NEG_INF
    for x in nums:
        if x > first:
            first, second = x, first
        elif x > second:
            second = x
    return second
