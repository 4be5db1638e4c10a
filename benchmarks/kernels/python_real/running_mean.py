# style: enumerate, prefix-sum, float


def running_mean(values: list[float]) -> list[float]:
    """
    Mean of the first i + 1 values, for each i.

    >>> running_mean([2, 4, 6, 8])
    [2.0, 3.0, 4.0, 5.0]
    >>> running_mean([])
    []
    """
    means = []
    total = 0.0
    for i, v in enumerate(values):
        total += v
        means.append(total / (i + 1))
    return means
