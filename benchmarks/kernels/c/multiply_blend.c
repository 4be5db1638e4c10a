/* style: pointer, void, typedef, unsigned */
/* Multiply blend of two 8-bit images: out = a * b / 255. */

typedef unsigned char u8;

void multiply_blend(const u8 *a, const u8 *b, u8 *out, int n)
{
    int i;

    for (i = 0; i < n; ++i)
        out[i] = (u8)((a[i] * b[i]) / 255);
}
