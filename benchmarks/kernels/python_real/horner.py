# style: reversed, for-each, float
from collections.abc import Sequence


def horner(poly: Sequence[float], x: float) -> float:
    """
    Evaluates poly[0] + poly[1] x + ... + poly[n-1] x^(n-1) with Horner's method.

    >>> horner((0.0, 0.0, 5.0, 9.3, 7.0), 10.0)
    79800.0
    >>> horner([], 3.0)
    0.0
    """
    result = 0.0
    for coeff in reversed(poly):
        result = result * x + coeff
    return result
