# Multiply blend of two 8-bit images: base * active // 255 per pixel.


def multiply_pixel(base, active):
    return base * active // 255


def multiply_blend_8(base, active):
    out = []
    for i in range(len(base)):
        line = []
        for j in range(len(base[i])):
            line.append(multiply_pixel(base[i][j], active[i][j]))
        out.append(line)
    return out
