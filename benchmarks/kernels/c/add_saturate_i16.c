/* style: pointer, void, typedef, int, literal-macro */
/* Saturating addition of two int16 signals: the int32 sum clamped to [INT16_MIN, INT16_MAX]. */
#include <stdint.h>

void add_saturate_i16(const int16_t *a, const int16_t *b, int16_t *restrict out, int n)
{
    for (int i = 0; i < n; i++) {
        int32_t s = (int32_t)a[i] + (int32_t)b[i];
        if (s > INT16_MAX)
            s = INT16_MAX;
        if (s < INT16_MIN)
            s = INT16_MIN;
        out[i] = (int16_t)s;
    }
}
