/* style: pointer, void, unsigned, int */
/* Alpha blend of two 8-bit images: out = (src * alpha + dst * (255 - alpha)) / 255. */

void blend_alpha(const unsigned char *src, const unsigned char *dst, unsigned char *out,
                 int n, unsigned char alpha)
{
    for (int i = 0; i < n; i++)
        out[i] = (unsigned char)((src[i] * alpha + dst[i] * (255 - alpha)) / 255);
}
