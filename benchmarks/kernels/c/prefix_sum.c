/* style: pointer, void, c89, int */
/* Inclusive running sum: out[i] = x[0] + ... + x[i]. */

void prefix_sum(const int *x, int *restrict out, int n)
{
    int i, acc = 0;

    for (i = 0; i < n; i++) {
        acc += x[i];
        out[i] = acc;
    }
}
