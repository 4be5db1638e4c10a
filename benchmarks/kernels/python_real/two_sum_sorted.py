# style: sort, tuple, tuple-return, len


def two_sum_sorted(nums: list[int], target: int) -> tuple[int, int] | None:
    """
    Two values of the list adding up to target (smaller first), found with two pointers
    over a sorted copy; None when there are none.

    >>> two_sum_sorted([8, 3, -1, 5, 10], 13)
    (3, 10)
    >>> two_sum_sorted([1, 2], 7) is None
    True
    """
    values = list(nums)
    values.sort()
    lo, hi = 0, len(values) - 1
    while lo < hi:
        s = values[lo] + values[hi]
        if s == target:
            return values[lo], values[hi]
        if s < target:
            lo += 1
        else:
            hi -= 1
    return None
