# style: sum-gen, large-int


def sum_of_cubes(nums: list[int]) -> int:
    """
    Sum of the cubes of the numbers, exact however large.

    >>> sum_of_cubes([1, 2, 3])
    36
    >>> sum_of_cubes([3_000_000_000, -1])
    26999999999999999999999999999
    """
    return sum(x**3 for x in nums)
