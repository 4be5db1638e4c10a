# Clamps every element of a vector to the range lo..hi.


def clamp_value(v: int, lo: int, hi: int) -> int:
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


def clamp_array(x: list[int], lo: int, hi: int) -> list[int]:
    out = []
    for i in range(len(x)):
        out.append(clamp_value(x[i], lo, hi))
    return out
