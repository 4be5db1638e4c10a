# style: validation, raise, listcomp, float
import math


def softmax(logits: list[float]) -> list[float]:
    """
    Probabilities proportional to exp(logit), shifted by the max for stability.

    >>> softmax([0.0, 0.0])
    [0.5, 0.5]
    >>> [round(p, 6) for p in softmax([1.0, 2.0, 3.0])]
    [0.090031, 0.244728, 0.665241]
    >>> softmax([])
    Traceback (most recent call last):
        ...
    ValueError: softmax of an empty list
    """
    if not logits:
        raise ValueError("softmax of an empty list")
    m = max(logits)
    exps = [math.exp(x - m) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]
