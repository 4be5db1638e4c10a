# style: validation, raise, tuple, large-int


def fibonacci(n: int) -> int:
    """
    The n-th Fibonacci number (F(0) = 0, F(1) = 1), computed iteratively.

    >>> fibonacci(10)
    55
    >>> fibonacci(100)
    354224848179261915075
    >>> fibonacci(-1)
    Traceback (most recent call last):
        ...
    ValueError: n must be a non-negative integer
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError("n must be a non-negative integer")
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
