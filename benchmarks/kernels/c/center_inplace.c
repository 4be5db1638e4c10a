/* style: pointer, inplace, void, c89, mixed, multi-loop, float */
/* Subtracts the mean from each of n floats, in place. */

void center_inplace(float *x, int n)
{
    int i;
    float sum = 0.0f, mu;

    if (n <= 0)
        return;
    for (i = 0; i < n; i++)
        sum += x[i];
    mu = sum / n;
    for (i = 0; i < n; i++)
        x[i] -= mu;
}
