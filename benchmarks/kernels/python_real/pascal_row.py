# style: backward-range, zeros-list, dp, large-int


def pascal_row(n: int) -> list[int]:
    """
    Row n of Pascal's triangle (the binomial coefficients C(n, k)), built in one list from the right.

    >>> pascal_row(4)
    [1, 4, 6, 4, 1]
    >>> pascal_row(0)
    [1]
    >>> max(pascal_row(70))
    112186277816662845432
    """
    row = [1] + [0] * n
    for i in range(1, n + 1):
        for j in range(i, 0, -1):
            row[j] += row[j - 1]
    return row
