# style: step-range, len, zeros-list


def pair_sums(nums: list[int]) -> list[int]:
    """
    Sums of consecutive non-overlapping pairs; an odd last element is kept alone.

    >>> pair_sums([1, 2, 3, 4, 5])
    [3, 7, 5]
    >>> pair_sums([])
    []
    """
    out = [0] * ((len(nums) + 1) // 2)
    for i in range(0, len(nums), 2):
        pair = nums[i]
        if i + 1 < len(nums):
            pair += nums[i + 1]
        out[i // 2] = pair
    return out
