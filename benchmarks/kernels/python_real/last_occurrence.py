# style: reversed, len, default-param


def last_occurrence(items: list[int], target: int, missing: int = -1) -> int:
    """
    Index of the last item equal to target, scanning from the end; `missing` when absent.

    >>> last_occurrence([4, 1, 4, 2], 4)
    2
    >>> last_occurrence([4, 1, 4, 2], 9)
    -1
    >>> last_occurrence([], 0, missing=0)
    0
    """
    for i in reversed(range(len(items))):
        if items[i] == target:
            return i
    return missing
