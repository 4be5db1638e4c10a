# style: assert, len, sum-gen, for-each, float
import math
from typing import Sequence


def _de_mean(data: Sequence[float]) -> list[float]:
    x_bar = sum(data) / len(data)
    return [x - x_bar for x in data]


def standard_deviation(data: Sequence[float]) -> float:
    """
    Sample standard deviation (n - 1 in the denominator).

    >>> standard_deviation([1, 2, 3, 4, 5])
    1.5811388300841898
    >>> standard_deviation([2.5, 2.5])
    0.0
    """
    assert len(data) >= 2, "standard deviation requires at least two elements"
    deviations = _de_mean(data)
    return math.sqrt(sum(d * d for d in deviations) / (len(data) - 1))
