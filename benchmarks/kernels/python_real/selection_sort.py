# style: len, swap, slice


def selection_sort(collection: list[int]) -> list[int]:
    """
    Sorted copy by selection: find the minimum of the unsorted tail and swap it to the front.

    >>> selection_sort([64, 25, 12, 22, 11])
    [11, 12, 22, 25, 64]
    >>> selection_sort([])
    []
    >>> selection_sort([2, -1, 2, 0])
    [-1, 0, 2, 2]
    """
    items = collection[:]
    length = len(items)
    for i in range(length - 1):
        min_index = i
        for k in range(i + 1, length):
            if items[k] < items[min_index]:
                min_index = k
        if min_index != i:
            items[i], items[min_index] = items[min_index], items[i]
    return items
