# style: for-each, default-param, large-int


def product(nums: list[int], start: int = 1) -> int:
    """
    Product of all the numbers, times start (1 by default); exact for any size.

    >>> product([1000] * 10)
    1000000000000000000000000000000
    >>> product([2, 3, 7])
    42
    >>> product([], start=5)
    5
    """
    result = start
    for x in nums:
        result *= x
    return result
