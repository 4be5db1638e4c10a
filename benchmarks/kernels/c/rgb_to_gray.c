/* style: pointer, void, c89, second-iv, incr-expr, unsigned, int */
/* Packed RGB (3 bytes a pixel) to 8-bit luma with integer weights: (77 r + 150 g + 29 b) >> 8. */

void rgb_to_gray(const unsigned char *rgb, unsigned char *gray, int npixels)
{
    int i, k = 0;
    unsigned r, g, b;

    for (i = 0; i < npixels; i++) {
        r = rgb[k++];
        g = rgb[k++];
        b = rgb[k++];
        gray[i] = (unsigned char)((77 * r + 150 * g + 29 * b) >> 8);
    }
}
