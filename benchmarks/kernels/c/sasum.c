/* style: pointer, c89, second-iv, stride, float, libm */
/* Sum of absolute values of n elements spaced incx apart (BLAS-1 sasum). */
#include <math.h>

float sasum(int n, const float *x, int incx)
{
    int i, ix;
    float s = 0.0f;

    if (n <= 0 || incx <= 0)
        return 0.0f;
    ix = 0;
    for (i = 0; i < n; i++) {
        s += fabsf(x[ix]);
        ix += incx;
    }
    return s;
}
