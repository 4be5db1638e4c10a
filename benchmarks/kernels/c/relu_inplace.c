/* style: pointer, inplace, void, float, libm */
/* Rectified linear unit applied in place: x[i] = max(x[i], 0). */
#include <math.h>

void relu_inplace(float *x, int n)
{
    for (int i = 0; i < n; ++i)
        x[i] = fmaxf(x[i], 0.0f);
}
