/* style: pointer, inplace, void, typedef, int */
/* Clamps n int32 values to [lo, hi] in place. */
/* requires: lo <= hi */
#include <stddef.h>
#include <stdint.h>

void clamp_i32(int32_t *x, size_t n, int32_t lo, int32_t hi)
{
    for (size_t i = 0; i < n; i++) {
        if (x[i] < lo)
            x[i] = lo;
        else if (x[i] > hi)
            x[i] = hi;
    }
}
