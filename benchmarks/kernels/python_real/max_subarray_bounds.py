# style: tuple, tuple-return, enumerate, kadane


def max_subarray_bounds(arr: list[int]) -> tuple[int, int, int]:
    """
    Kadane's algorithm that also tracks where the best subarray starts and ends:
    returns (best_sum, start, end) with end inclusive; (0, 0, -1) for an empty list.

    >>> max_subarray_bounds([-2, 1, -3, 4, -1, 2, 1, -5, 4])
    (6, 3, 6)
    >>> max_subarray_bounds([-5, -2, -7])
    (-2, 1, 1)
    >>> max_subarray_bounds([])
    (0, 0, -1)
    """
    if not arr:
        return 0, 0, -1
    best_sum, best_start, best_end = arr[0], 0, 0
    current_sum, current_start = 0, 0
    for i, value in enumerate(arr):
        if current_sum <= 0:
            current_sum, current_start = value, i
        else:
            current_sum += value
        if current_sum > best_sum:
            best_sum, best_start, best_end = current_sum, current_start, i
    return best_sum, best_start, best_end
