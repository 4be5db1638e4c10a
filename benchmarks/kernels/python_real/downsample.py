# style: step-range, len, listcomp, default-param


def downsample(signal: list[int], factor: int = 2, offset: int = 0) -> list[int]:
    """
    Keeps every factor-th sample starting at offset.

    >>> downsample([0, 1, 2, 3, 4, 5, 6])
    [0, 2, 4, 6]
    >>> downsample([0, 1, 2, 3, 4, 5, 6], 3, 1)
    [1, 4]
    >>> downsample([], 4)
    []
    """
    return [signal[i] for i in range(offset, len(signal), factor)]
