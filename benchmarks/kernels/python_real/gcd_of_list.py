# style: validation, raise, slice, for-each, tuple, swap


def gcd_of_list(nums: list[int]) -> int:
    """
    Greatest common divisor of all the numbers by Euclid's algorithm (always >= 0).

    >>> gcd_of_list([12, 18, 30])
    6
    >>> gcd_of_list([-4, 6])
    2
    >>> gcd_of_list([])
    Traceback (most recent call last):
        ...
    ValueError: gcd_of_list() needs at least one number
    """
    if not nums:
        raise ValueError("gcd_of_list() needs at least one number")
    g = abs(nums[0])
    for x in nums[1:]:
        a, b = g, abs(x)
        while b:
            a, b = b, a % b
        g = a
    return g
