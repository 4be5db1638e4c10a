# style: validation, raise, len, sort, float


def median(nums: list[float]) -> float:
    """
    Middle value of the sorted data (the mean of the two middle values for an even count).
    The input list is not modified.

    >>> median([3, 1, 2])
    2
    >>> median([4.0, 1.0, 3.0, 2.0])
    2.5
    >>> median([])
    Traceback (most recent call last):
        ...
    ValueError: median of an empty list
    """
    if not nums:
        raise ValueError("median of an empty list")
    data = list(nums)
    data.sort()
    mid = len(data) // 2
    if len(data) % 2 == 1:
        return data[mid]
    return (data[mid - 1] + data[mid]) / 2
