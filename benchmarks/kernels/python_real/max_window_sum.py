# style: validation, raise, slice, len, running-max


def max_window_sum(nums: list[int], k: int) -> int:
    """
    Largest sum of k consecutive numbers, with a sliding window.

    >>> max_window_sum([1, 4, 2, 10, 23, 3, 1, 0, 20], 4)
    39
    >>> max_window_sum([5, -1], 2)
    4
    >>> max_window_sum([1, 2], 3)
    Traceback (most recent call last):
        ...
    ValueError: invalid window size
    """
    if k <= 0 or k > len(nums):
        raise ValueError("invalid window size")
    window = sum(nums[:k])
    best = window
    for i in range(k, len(nums)):
        window += nums[i] - nums[i - k]
        if window > best:
            best = window
    return best
