/* style: pointer, inplace, void, c89, step, stride, float */
/* x := alpha * x over n elements spaced incx apart (BLAS-1 sscal); nothing happens for incx <= 0. */

void sscal(int n, float alpha, float *x, int incx)
{
    int i, nincx;

    if (n <= 0 || incx <= 0)
        return;
    nincx = n * incx;
    for (i = 0; i < nincx; i += incx)
        x[i] = alpha * x[i];
}
