# style: module-const, for-each, running-max, int-float-union

_INF = float("inf")


def max_profit(prices: list[int | float]) -> int | float:
    """
    Best gain from one buy followed by one later sell (0 when prices only fall).

    >>> max_profit([7, 1, 5, 3, 6, 4])
    5
    >>> max_profit([7.5, 6.0, 4.25])
    0
    >>> max_profit([2.5, 1.0, 3.75])
    2.75
    >>> max_profit([])
    0
    """
    min_price: int | float = _INF
    best: int | float = 0
    for price in prices:
        if price < min_price:
            min_price = price
        elif price - min_price > best:
            best = price - min_price
    return best
