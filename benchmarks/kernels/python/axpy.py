# axpy: alpha * x + y over the first n entries.


def axpy(alpha, x, y, n):
    out = [0] * n
    for i in range(n):
        out[i] = alpha * x[i] + y[i]
    return out
