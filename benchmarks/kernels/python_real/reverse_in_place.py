# style: tuple, swap, len


def reverse_in_place(arr: list[int]) -> list[int]:
    """
    Reverses the list in place with two indices moving toward each other, and returns it.

    >>> reverse_in_place([1, 2, 3, 4, 5])
    [5, 4, 3, 2, 1]
    >>> reverse_in_place([])
    []
    """
    left, right = 0, len(arr) - 1
    while left < right:
        arr[left], arr[right] = arr[right], arr[left]
        left += 1
        right -= 1
    return arr
