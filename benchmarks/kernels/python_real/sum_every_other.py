# style: step-range, len, default-param, sum-gen


def sum_every_other(nums: list[int], start: int = 0, step: int = 2) -> int:
    """
    Sum of nums[start], nums[start + step], nums[start + 2 * step], ...

    >>> sum_every_other([1, 2, 3, 4, 5])
    9
    >>> sum_every_other([1, 2, 3, 4, 5], start=1)
    6
    >>> sum_every_other([1, 2, 3, 4, 5, 6, 7], 0, 3)
    12
    """
    return sum(nums[i] for i in range(start, len(nums), step))
