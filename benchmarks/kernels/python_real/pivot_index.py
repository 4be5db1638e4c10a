# style: enumerate, prefix-sum


def pivot_index(nums: list[int]) -> int:
    """
    First index where the sum of the elements to its left equals the sum of those to its right;
    -1 when there is none.

    >>> pivot_index([1, 7, 3, 6, 5, 6])
    3
    >>> pivot_index([1, 2, 3])
    -1
    >>> pivot_index([2, 1, -1])
    0
    """
    total = sum(nums)
    left = 0
    for i, x in enumerate(nums):
        if left == total - left - x:
            return i
        left += x
    return -1
