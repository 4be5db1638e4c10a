/* style: pointer, void, flat2d, unsigned, int */
/* 3x3 box blur of a w x h 8-bit image (row-major); border pixels are copied unchanged. */

void box_blur_u8(const unsigned char *in, unsigned char *restrict out, int w, int h)
{
    int x, y, dx, dy, sum;

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                out[y * w + x] = in[y * w + x];
                continue;
            }
            sum = 0;
            for (dy = -1; dy <= 1; dy++)
                for (dx = -1; dx <= 1; dx++)
                    sum += in[(y + dy) * w + (x + dx)];
            out[y * w + x] = (unsigned char)(sum / 9);
        }
    }
}
