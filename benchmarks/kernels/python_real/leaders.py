# style: reversed, running-max, module-const

_NEG_INF = float("-inf")


def leaders(nums: list[int]) -> list[int]:
    """
    The elements greater than every element to their right, in their original order.

    >>> leaders([16, 17, 4, 3, 5, 2])
    [17, 5, 2]
    >>> leaders([])
    []
    """
    result = []
    max_from_right = _NEG_INF
    for x in reversed(nums):
        if x > max_from_right:
            result.append(x)
            max_from_right = x
    result.reverse()
    return result
