# style: reversed, zip, all-any


def is_palindrome(seq: list[int]) -> bool:
    """
    True when the sequence reads the same backwards.

    >>> is_palindrome([1, 2, 3, 2, 1])
    True
    >>> is_palindrome([1, 2])
    False
    >>> is_palindrome([])
    True
    """
    return all(a == b for a, b in zip(seq, reversed(seq)))
