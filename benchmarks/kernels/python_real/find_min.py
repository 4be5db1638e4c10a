# style: module-const, for-each, float, int-float-union

_INF = float("inf")


def find_min(values: list[int | float]) -> int | float:
    """
    Smallest value of the list, or infinity for an empty list.

    >>> find_min([4, -2.5, 7, 0])
    -2.5
    >>> find_min([])
    inf
    """
    smallest = _INF
    for value in values:
        if value < smallest:
            smallest = value
    return smallest
