# style: validation, raise, len, zip, float
import math


def cosine_similarity(a: list[float], b: list[float]) -> float:
    """
    Cosine of the angle between two non-zero vectors of the same length.

    >>> cosine_similarity([1, 0], [0, 1])
    0.0
    >>> round(cosine_similarity([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]), 12)
    1.0
    >>> cosine_similarity([0, 0], [1, 1])
    Traceback (most recent call last):
        ...
    ValueError: cosine similarity is undefined for a zero vector
    """
    if len(a) != len(b):
        raise ValueError("vectors must have the same length")
    dot = norm_a = norm_b = 0.0
    for x, y in zip(a, b):
        dot += x * y
        norm_a += x * x
        norm_b += y * y
    if norm_a == 0 or norm_b == 0:
        raise ValueError("cosine similarity is undefined for a zero vector")
    return dot / (math.sqrt(norm_a) * math.sqrt(norm_b))
