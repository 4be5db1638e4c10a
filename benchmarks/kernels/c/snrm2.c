/* style: pointer, c89, stride, float, libm */
/* Euclidean norm of n elements spaced incx apart (unscaled, as a plain loop computes it). */
#include <math.h>

float snrm2(int n, const float *x, int incx)
{
    int i;
    float ssq = 0.0f;

    if (n < 1 || incx < 1)
        return 0.0f;
    for (i = 0; i < n; i++)
        ssq += x[i * incx] * x[i * incx];
    return sqrtf(ssq);
}
