# style: validation, raise, tuple, listcomp, float


def min_max_scale(xs: list[float]) -> list[float]:
    """
    Rescales the data linearly to [0, 1].

    >>> min_max_scale([2, 4, 6, 10])
    [0.0, 0.25, 0.5, 1.0]
    >>> min_max_scale([3.0, 3.0])
    Traceback (most recent call last):
        ...
    ValueError: cannot scale constant data
    """
    if not xs:
        return []
    lo, hi = min(xs), max(xs)
    if hi == lo:
        raise ValueError("cannot scale constant data")
    return [(x - lo) / (hi - lo) for x in xs]
