# Dot product of the first n entries of two vectors.


def dot(x, y, n):
    total = 0
    for i in range(n):
        total += x[i] * y[i]
    return total
