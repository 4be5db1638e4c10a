# style: enumerate, sum-gen, float
from collections.abc import Sequence


def evaluate_poly(poly: Sequence[float], x: float) -> float:
    """
    Evaluates a polynomial given by its coefficients, lowest degree first, term by term.

    >>> evaluate_poly((0.0, 0.0, 5.0, 9.3, 7.0), 10.0)
    79800.0
    >>> evaluate_poly([1, 1, 1], 2)
    7
    """
    return sum(c * x**i for i, c in enumerate(poly))
