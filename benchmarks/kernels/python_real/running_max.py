# style: slice, len, dp, running-max


def running_max(nums: list[int]) -> list[int]:
    """
    result[i] is the largest of nums[0..i].

    >>> running_max([1, 3, 2, 5, 4, 4, 6])
    [1, 3, 3, 5, 5, 5, 6]
    >>> running_max([])
    []
    """
    result = nums[:]
    for i in range(1, len(result)):
        if result[i - 1] > result[i]:
            result[i] = result[i - 1]
    return result
