/* style: pointer, c89, step, multi-loop, int */
/* Integer dot product unrolled by four (n & -4), then a remainder loop. */

int dot_unrolled(const int *x, const int *y, int n)
{
    int i, n4, s0 = 0, s1 = 0, s2 = 0, s3 = 0;

    if (n <= 0)
        return 0;
    n4 = n & -4;
    for (i = 0; i < n4; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++)
        s0 += x[i] * y[i];
    return s0 + s1 + s2 + s3;
}
