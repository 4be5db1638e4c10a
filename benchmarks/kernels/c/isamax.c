/* style: pointer, c89, stride, float, libm, argmax, seeded */
/* 0-based index of the first element of largest magnitude among n strided elements; -1 if n < 1. */
#include <math.h>

int isamax(int n, const float *x, int incx)
{
    int i, imax;
    float dmax;

    if (n < 1 || incx <= 0)
        return -1;
    imax = 0;
    dmax = fabsf(x[0]);
    for (i = 1; i < n; i++) {
        if (fabsf(x[i * incx]) > dmax) {
            imax = i;
            dmax = fabsf(x[i * incx]);
        }
    }
    return imax;
}
