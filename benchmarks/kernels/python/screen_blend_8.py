# Screen blend of two flattened 8-bit images: base + active - base * active // 255 per pixel.


def screen_blend_8(base, active, n):
    out = []
    for i in range(n):
        out.append(base[i] + active[i] - base[i] * active[i] // 255)
    return out
