/* style: pointer, step, second-iv, incr-expr, float */
/* Keeps every factor-th sample: out = x[0], x[factor], x[2 factor], ...; returns how many were kept. */
/* requires: factor >= 1 */

int decimate(const float *x, int n, int factor, float *restrict out)
{
    int i, k = 0;

    for (i = 0; i < n; i += factor)
        out[k++] = x[i];
    return k;
}
