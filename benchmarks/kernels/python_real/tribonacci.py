# style: validation, raise, zeros-list, slice, dp, large-int


def tribonacci(n: int) -> list[int]:
    """
    The first n tribonacci numbers: 0, 0, 1, then each the sum of the three before it.

    >>> tribonacci(8)
    [0, 0, 1, 1, 2, 4, 7, 13]
    >>> tribonacci(80)[-1]
    147669437360234672073
    >>> tribonacci(0)
    Traceback (most recent call last):
        ...
    ValueError: n must be at least 1
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    dp = [0] * max(n, 3)
    dp[2] = 1
    for i in range(3, n):
        dp[i] = dp[i - 1] + dp[i - 2] + dp[i - 3]
    return dp[:n]
