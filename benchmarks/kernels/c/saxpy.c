/* style: pointer, inplace, void, c89, second-iv, stride, float */
/* y := alpha * x + y over n elements read incx and written incy apart (BLAS-1 saxpy). */
/* requires: incx > 0, incy > 0 */

void saxpy(int n, float alpha, const float *x, int incx, float *y, int incy)
{
    int i, ix, iy;

    if (n <= 0 || alpha == 0.0f)
        return;
    ix = 0;
    iy = 0;
    for (i = 0; i < n; i++) {
        y[iy] += alpha * x[ix];
        ix += incx;
        iy += incy;
    }
}
