/* style: pointer, void, c89, step, second-iv, incr-expr, typedef, int */
/* Splits interleaved 16-bit stereo frames (L R L R ...) into a left and a right channel. */
#include <stdint.h>

typedef int16_t sample_t;

void split_stereo(const sample_t *lr, sample_t *left, sample_t *right, int frames)
{
    int i, j = 0;

    for (i = 0; i < 2 * frames; i += 2) {
        left[j] = lr[i];
        right[j++] = lr[i + 1];
    }
}
