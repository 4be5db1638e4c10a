# style: listcomp, default-param, float


def clamp_values(values: list[float], lo: float = -1.0, hi: float = 1.0) -> list[float]:
    """
    Limits each value to [lo, hi].

    >>> clamp_values([-2.5, -0.25, 0.0, 0.75, 3.0])
    [-1.0, -0.25, 0.0, 0.75, 1.0]
    >>> clamp_values([0.5, 10.0], 0.0, 2.0)
    [0.5, 2.0]
    """
    return [min(max(v, lo), hi) for v in values]
