# style: assert, len, zip, sum-gen


def hamming_distance(a: list[int], b: list[int]) -> int:
    """
    Number of positions where two equal-length sequences differ.

    >>> hamming_distance([1, 0, 1, 1], [1, 1, 1, 0])
    2
    >>> hamming_distance([], [])
    0
    """
    assert len(a) == len(b), "sequences must have equal length"
    return sum(1 for x, y in zip(a, b) if x != y)
