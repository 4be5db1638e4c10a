# Clamps every element of a vector to the range lo..hi.


def clamp_value(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


def clamp_array(x, lo, hi):
    out = []
    for i in range(len(x)):
        out.append(clamp_value(x[i], lo, hi))
    return out
