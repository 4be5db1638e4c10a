/* style: pointer, incr-expr, int */
/* Copies the positive values of x, in order, to the front of out; returns how many were copied. */

int compact_positive(const int *x, int n, int *restrict out)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] > 0)
            out[k++] = x[i];
    }
    return k;
}
