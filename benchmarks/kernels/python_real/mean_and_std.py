# style: validation, raise, len, sum-gen, tuple-return, float
import math


def mean_and_std(samples: list[float]) -> tuple[float, float]:
    """
    Mean and population standard deviation of the samples.

    >>> mean_and_std([2, 4, 4, 4, 5, 5, 7, 9])
    (5.0, 2.0)
    >>> mean_and_std([])
    Traceback (most recent call last):
        ...
    ValueError: no samples
    """
    if not samples:
        raise ValueError("no samples")
    n = len(samples)
    mu = sum(samples) / n
    var = sum((s - mu) ** 2 for s in samples) / n
    return mu, math.sqrt(var)
