/* style: pointer, c89, float, mixed, multi-loop */
/* Sample variance (divided by n - 1) of n floats, two passes; 0 when n < 2. */

float variance(const float *x, int n)
{
    int i;
    float mean = 0.0f, ss = 0.0f, d;

    if (n < 2)
        return 0.0f;
    for (i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (i = 0; i < n; i++) {
        d = x[i] - mean;
        ss += d * d;
    }
    return ss / (n - 1);
}
