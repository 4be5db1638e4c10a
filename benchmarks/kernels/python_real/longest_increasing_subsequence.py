# style: len, dp, min-max-gen


def longest_increasing_subsequence(nums: list[int]) -> int:
    """
    Length of the longest strictly increasing subsequence (the O(n^2) table).

    >>> longest_increasing_subsequence([10, 9, 2, 5, 3, 7, 101, 18])
    4
    >>> longest_increasing_subsequence([7, 7, 7])
    1
    >>> longest_increasing_subsequence([])
    0
    """
    n = len(nums)
    dp = [1] * n
    for i in range(1, n):
        for j in range(i):
            if nums[j] < nums[i]:
                dp[i] = max(dp[i], dp[j] + 1)
    return max((length for length in dp), default=0)
