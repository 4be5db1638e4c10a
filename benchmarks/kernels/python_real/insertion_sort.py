# style: len, backward-range, swap


def insertion_sort(collection: list[int]) -> list[int]:
    """
    Sorts the list in place by insertion (each new item swapped left until it fits) and returns it.

    >>> insertion_sort([5, 2, 4, 6, 1, 3])
    [1, 2, 3, 4, 5, 6]
    >>> insertion_sort([])
    []
    >>> insertion_sort([3, -1, 3, 0])
    [-1, 0, 3, 3]
    """
    for i in range(1, len(collection)):
        for j in range(i, 0, -1):
            if collection[j - 1] <= collection[j]:
                break
            collection[j - 1], collection[j] = collection[j], collection[j - 1]
    return collection
