/* style: pointer, void, incr-expr, define, unsigned, int */
/* Histogram of an 8-bit image into NBINS counters (cleared first). */

#define NBINS 256

void histogram_u8(const unsigned char *img, int n, int hist[NBINS])
{
    int i;

    for (i = 0; i < NBINS; i++)
        hist[i] = 0;
    for (i = 0; i < n; i++)
        hist[img[i]]++;
}
