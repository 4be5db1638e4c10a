/* style: pointer, void, float, libm */
/* Snaps each value down to a multiple of step: y = floor(x / step) * step. */
/* requires: step != 0 */
#include <math.h>

void floor_quantize(const float *x, float *restrict y, int n, float step)
{
    for (int i = 0; i < n; i++)
        y[i] = floorf(x[i] / step) * step;
}
