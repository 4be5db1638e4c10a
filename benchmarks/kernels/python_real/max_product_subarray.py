# style: validation, raise, all-any, slice, for-each, swap, kadane


def max_product_subarray(numbers: list[int]) -> int:
    """
    Largest product of a contiguous subarray, tracking the running max and min
    (a negative factor swaps them).

    >>> max_product_subarray([2, 3, -2, 4])
    6
    >>> max_product_subarray([-2, 0, -1])
    0
    >>> max_product_subarray([-2, 3, -4])
    24
    >>> max_product_subarray([])
    Traceback (most recent call last):
        ...
    ValueError: numbers must be a non-empty list of integers
    """
    if not numbers or not all(isinstance(x, int) for x in numbers):
        raise ValueError("numbers must be a non-empty list of integers")
    max_till_now = min_till_now = max_prod = numbers[0]
    for number in numbers[1:]:
        if number < 0:
            max_till_now, min_till_now = min_till_now, max_till_now
        max_till_now = max(number, max_till_now * number)
        min_till_now = min(number, min_till_now * number)
        max_prod = max(max_prod, max_till_now)
    return max_prod
