# style: backward-range, len, default-param, large-int


def reverse_polynomial_value(digits: list[int], base: int = 10) -> int:
    """
    Value of the digits read most significant last (digits[0] is the ones place), accumulated
    from the top digit down; exact for any length.

    >>> reverse_polynomial_value([3, 2, 1])
    123
    >>> reverse_polynomial_value([1] * 25)
    1111111111111111111111111
    >>> reverse_polynomial_value([1, 0, 1], base=2)
    5
    """
    value = 0
    for i in range(len(digits) - 1, -1, -1):
        value = value * base + digits[i]
    return value
