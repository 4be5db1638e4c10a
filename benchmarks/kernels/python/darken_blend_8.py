# Darken blend of two 8-bit images: each output pixel is the darker of the base and active pixels.


def darken_blend_8(base, active, m, n):
    out = []
    for row in range(m):
        row_vec = []
        for col in range(n):
            if base[row][col] > active[row][col]:
                pixel = active[row][col]
            else:
                pixel = base[row][col]
            row_vec.append(pixel)
        out.append(row_vec)
    return out
