/* style: pointer, void, int */
/* 3-point moving average of an int signal; the first and last samples are copied unchanged. */

void moving_average3(const int *x, int *restrict out, int n)
{
    if (n <= 0)
        return;
    out[0] = x[0];
    for (int i = 1; i < n - 1; i++)
        out[i] = (x[i - 1] + x[i] + x[i + 1]) / 3;
    if (n > 1)
        out[n - 1] = x[n - 1];
}
