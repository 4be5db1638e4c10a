# style: validation, raise, enumerate, tuple


def argmax(values: list[float]) -> int:
    """
    Index of the largest value; the first one wins ties.

    >>> argmax([3, 9, 2, 9])
    1
    >>> argmax([-0.5, -0.25])
    1
    >>> argmax([])
    Traceback (most recent call last):
        ...
    ValueError: argmax of an empty sequence
    """
    if not values:
        raise ValueError("argmax of an empty sequence")
    best_index, best_value = 0, values[0]
    for i, v in enumerate(values):
        if v > best_value:
            best_index, best_value = i, v
    return best_index
