# style: enumerate, len, zeros-list, large-int


def poly_multiply(a: list[int], b: list[int]) -> list[int]:
    """
    Coefficients of the product of two polynomials (lowest degree first): a full convolution.

    >>> poly_multiply([1, 2], [1, 3])
    [1, 5, 6]
    >>> poly_multiply([10**12, 1], [10**12, -1])
    [1000000000000000000000000, 0, -1]
    >>> poly_multiply([], [1, 2])
    []
    """
    if not a or not b:
        return []
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out
