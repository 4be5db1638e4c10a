# ReLU activation: negative entries become 0.


def relu(x, n):
    out = []
    for i in range(n):
        if x[i] > 0:
            out.append(x[i])
        else:
            out.append(0)
    return out
