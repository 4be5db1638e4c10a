# style: enumerate, slice, sum-gen


def count_inversions(arr: list[int]) -> int:
    """
    Number of pairs i < j with arr[i] > arr[j] (the brute-force count).

    >>> count_inversions([10, 2, 1, 5, 5, 2, 11])
    8
    >>> count_inversions([1, 2, 3])
    0
    """
    return sum(
        1 for i, a in enumerate(arr) for b in arr[i + 1 :] if a > b
    )
