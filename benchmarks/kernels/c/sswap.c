/* style: pointer, inplace, void, c89, second-iv, stride, float */
/* Exchanges n elements of x (spaced incx apart) with n elements of y (spaced incy apart). */
/* requires: incx > 0, incy > 0 */

void sswap(int n, float *x, int incx, float *y, int incy)
{
    int i, ix, iy;
    float tmp;

    ix = 0;
    iy = 0;
    for (i = 0; i < n; i++) {
        tmp = x[ix];
        x[ix] = y[iy];
        y[iy] = tmp;
        ix += incx;
        iy += incy;
    }
}
