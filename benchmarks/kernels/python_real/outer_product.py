# style: nested-listcomp, float


def outer_product(u: list[float], v: list[float]) -> list[list[float]]:
    """
    The len(u) x len(v) matrix with entries u[i] * v[j].

    >>> outer_product([1, 2], [3, 4, 5])
    [[3, 4, 5], [6, 8, 10]]
    >>> outer_product([0.5], [2.0])
    [[1.0]]
    """
    return [[a * b for b in v] for a in u]
