/* style: pointer, inplace, void, define, unsigned */
/* Screen blend of src onto dst, in place: dst = 255 - (255 - dst) * (255 - src) / 255. */

#define PIXEL_MAX 255

void screen_blend_inplace(unsigned char *dst, const unsigned char *src, int n)
{
    for (int i = 0; i < n; i++)
        dst[i] = (unsigned char)(PIXEL_MAX - (PIXEL_MAX - dst[i]) * (PIXEL_MAX - src[i]) / PIXEL_MAX);
}
