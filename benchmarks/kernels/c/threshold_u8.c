/* style: pointer, void, define, unsigned */
/* Binary threshold of an 8-bit image: 255 where the pixel is at least thr, 0 elsewhere. */

#define WHITE 255
#define BLACK 0

void threshold_u8(const unsigned char *px, unsigned char *restrict out, int n, unsigned char thr)
{
    for (int i = 0; i < n; i++)
        out[i] = px[i] >= thr ? WHITE : BLACK;
}
