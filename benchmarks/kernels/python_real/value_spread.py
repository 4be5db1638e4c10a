# style: validation, raise, min-max-gen, default-param, int-float-union


def value_spread(readings: list[int | float], scale: float = 1.0) -> float:
    """
    Range (max - min) of the scaled readings.

    >>> value_spread([3, 9, -2, 4])
    11.0
    >>> value_spread([0.5, 1.5], scale=2.0)
    2.0
    >>> value_spread([])
    Traceback (most recent call last):
        ...
    ValueError: no readings
    """
    if not readings:
        raise ValueError("no readings")
    return float(max(r * scale for r in readings) - min(r * scale for r in readings))
