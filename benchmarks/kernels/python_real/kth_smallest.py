# style: validation, raise, sort, len, default-param


def kth_smallest(values: list[int], k: int = 1) -> int:
    """
    The k-th smallest value (k = 1 is the minimum), counting repeats.

    >>> kth_smallest([7, 10, 4, 3, 20, 15], 3)
    7
    >>> kth_smallest([5, 1, 1])
    1
    >>> kth_smallest([1, 2], 3)
    Traceback (most recent call last):
        ...
    ValueError: k out of range
    """
    if not 1 <= k <= len(values):
        raise ValueError("k out of range")
    ordered = values.copy()
    ordered.sort()
    return ordered[k - 1]
