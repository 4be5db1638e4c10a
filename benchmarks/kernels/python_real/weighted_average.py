# style: validation, raise, zip, int-float-union, float


def weighted_average(values: list[int | float], weights: list[int | float]) -> float:
    """
    sum(w * v) / sum(w) over equal-length lists with a non-zero total weight.

    >>> weighted_average([1, 2, 3], [3, 2, 1])
    1.6666666666666667
    >>> weighted_average([2.5, 10], [1, 0])
    2.5
    >>> weighted_average([1], [0])
    Traceback (most recent call last):
        ...
    ValueError: total weight must not be zero
    """
    if len(values) != len(weights):
        raise ValueError("values and weights must have the same length")
    total = 0.0
    weight_sum = 0.0
    for v, w in zip(values, weights):
        total += v * w
        weight_sum += w
    if weight_sum == 0:
        raise ValueError("total weight must not be zero")
    return total / weight_sum
