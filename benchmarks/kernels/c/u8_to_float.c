/* style: pointer, void, mixed, unsigned, float */
/* Converts 8-bit pixels to floats in [0, 1]. */

void u8_to_float(const unsigned char *src, float *restrict dst, int n)
{
    for (int i = 0; i < n; i++)
        dst[i] = src[i] / 255.0f;
}
