# style: validation, raise, tuple, tuple-return, matmul, large-int


def _mat_mult_2x2(
    a: tuple[int, int, int, int], b: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    a00, a01, a10, a11 = a
    b00, b01, b10, b11 = b
    return (
        a00 * b00 + a01 * b10,
        a00 * b01 + a01 * b11,
        a10 * b00 + a11 * b10,
        a10 * b01 + a11 * b11,
    )


def fib_matrix(n: int) -> int:
    """
    The n-th Fibonacci number from powers of [[1, 1], [1, 0]] by repeated squaring.

    >>> fib_matrix(10)
    55
    >>> fib_matrix(150)
    9969216677189303386214405760200
    >>> fib_matrix(-3)
    Traceback (most recent call last):
        ...
    ValueError: n must be >= 0
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    result = (1, 0, 0, 1)
    base = (1, 1, 1, 0)
    while n:
        if n & 1:
            result = _mat_mult_2x2(result, base)
        base = _mat_mult_2x2(base, base)
        n >>= 1
    return result[1]
