# style: swap, backward-range, len, slice


def bubble_sort(collection: list[int]) -> list[int]:
    """
    Returns a sorted copy; stops early when a pass makes no swap.

    >>> bubble_sort([0, 5, 2, 3, 2])
    [0, 2, 2, 3, 5]
    >>> bubble_sort([])
    []
    >>> bubble_sort([-2, -45, -5])
    [-45, -5, -2]
    """
    items = collection[:]
    length = len(items)
    for i in range(length - 1, 0, -1):
        swapped = False
        for j in range(i):
            if items[j] > items[j + 1]:
                items[j], items[j + 1] = items[j + 1], items[j]
                swapped = True
        if not swapped:
            break
    return items
