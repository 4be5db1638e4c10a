# style: validation, raise, slice, for-each, tuple-return


def min_max(values: list[int]) -> tuple[int, int]:
    """
    The smallest and the largest value in one pass.

    >>> min_max([3, -1, 8, 0])
    (-1, 8)
    >>> min_max([5])
    (5, 5)
    >>> min_max([])
    Traceback (most recent call last):
        ...
    ValueError: min_max() arg is an empty sequence
    """
    if not values:
        raise ValueError("min_max() arg is an empty sequence")
    lo = hi = values[0]
    for v in values[1:]:
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    return lo, hi
