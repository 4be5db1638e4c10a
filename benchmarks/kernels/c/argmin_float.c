/* style: pointer, c89, argmax, float, literal-macro */
/* Index of the smallest of n floats (the first one on ties), seeded with FLT_MAX; -1 when n < 1. */
/* requires: x finite */
#include <float.h>

int argmin_float(const float *x, int n)
{
    int i, imin = -1;
    float vmin = FLT_MAX;

    for (i = 0; i < n; i++) {
        if (x[i] < vmin || imin < 0) {
            vmin = x[i];
            imin = i;
        }
    }
    return imin;
}
