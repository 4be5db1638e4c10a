# style: len, tuple, zeros-list, dp, box-sum, float, default-param


def box_blur(image: list[list[float]], radius: int = 1) -> list[list[float]]:
    """
    Mean over the (2 radius + 1)^2 window around each pixel, clipped at the borders,
    from a summed-area table.

    >>> box_blur([[1.0, 2.0], [3.0, 4.0]])
    [[2.5, 2.5], [2.5, 2.5]]
    >>> box_blur([[0, 0, 9], [0, 0, 0], [0, 0, 0]])
    [[0.0, 1.5, 2.25], [0.0, 1.0, 1.5], [0.0, 0.0, 0.0]]
    """
    h, w = len(image), len(image[0])
    sat = [[0.0] * (w + 1) for _ in range(h + 1)]
    for y in range(h):
        for x in range(w):
            sat[y + 1][x + 1] = image[y][x] + sat[y][x + 1] + sat[y + 1][x] - sat[y][x]
    out = [[0.0] * w for _ in range(h)]
    for y in range(h):
        y0, y1 = max(0, y - radius), min(h, y + radius + 1)
        for x in range(w):
            x0, x1 = max(0, x - radius), min(w, x + radius + 1)
            total = sat[y1][x1] - sat[y0][x1] - sat[y1][x0] + sat[y0][x0]
            out[y][x] = total / ((y1 - y0) * (x1 - x0))
    return out
