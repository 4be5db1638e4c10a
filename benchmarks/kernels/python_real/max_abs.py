# style: validation, raise, len, min-max-gen, int-float-union


def max_abs(xs: list[int | float]) -> int | float:
    """
    Largest absolute value among the numbers (the infinity norm).

    >>> max_abs([-7, 3, 5])
    7
    >>> max_abs([0.5, -0.25])
    0.5
    >>> max_abs([])
    Traceback (most recent call last):
        ...
    ValueError: max_abs() of an empty list
    """
    if len(xs) == 0:
        raise ValueError("max_abs() of an empty list")
    return max(abs(x) for x in xs)
