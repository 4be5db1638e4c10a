/* style: pointer, void, second-iv, incr-expr, float */
/* Interleaves two channels of n samples into one buffer of 2n samples: a0 b0 a1 b1 ... */

void interleave(const float *a, const float *b, float *restrict out, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        out[k++] = a[i];
        out[k++] = b[i];
    }
}
