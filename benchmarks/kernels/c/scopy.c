/* style: pointer, void, c89, second-iv, stride, float */
/* Copies n elements of x (spaced incx apart) into y (spaced incy apart). */
/* requires: incx > 0, incy > 0 */

void scopy(int n, const float *x, int incx, float *y, int incy)
{
    int i, ix = 0, iy = 0;

    for (i = 0; i < n; i++) {
        y[iy] = x[ix];
        ix += incx;
        iy += incy;
    }
}
