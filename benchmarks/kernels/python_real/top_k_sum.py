# style: validation, raise, sort, slice, default-param


def top_k_sum(scores: list[int], k: int = 3) -> int:
    """
    Sum of the k largest scores (all of them when there are fewer than k).

    >>> top_k_sum([5, 1, 9, 3, 7])
    21
    >>> top_k_sum([5, 1, 9, 3, 7], k=1)
    9
    >>> top_k_sum([2], k=-1)
    Traceback (most recent call last):
        ...
    ValueError: k must be non-negative
    """
    if k < 0:
        raise ValueError("k must be non-negative")
    ordered = list(scores)
    ordered.sort(reverse=True)
    return sum(ordered[:k])
