# Clamps every entry of a list to lo..hi (the demo of docs/llm.md).


def clamp(x: list[int], lo: int, hi: int) -> list[int]:
    out = []
    for i in range(len(x)):
        v = x[i]
        if v < lo:
            v = lo
        if v > hi:
            v = hi
        out.append(v)
    return out
