# style: validation, raise, large-int


def factorial(number: int) -> int:
    """
    number! computed with a loop.

    >>> factorial(5)
    120
    >>> factorial(25)
    15511210043330985984000000
    >>> factorial(-1)
    Traceback (most recent call last):
        ...
    ValueError: factorial() not defined for negative values
    >>> factorial(1.5)
    Traceback (most recent call last):
        ...
    ValueError: factorial() only accepts integral values
    """
    if number != int(number):
        raise ValueError("factorial() only accepts integral values")
    if number < 0:
        raise ValueError("factorial() not defined for negative values")
    value = 1
    for i in range(1, number + 1):
        value *= i
    return value
