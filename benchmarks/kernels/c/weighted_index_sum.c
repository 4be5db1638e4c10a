/* style: pointer, c89, int */
/* Sum of i * a[i-1] for i = 1..n (a 1-based loop with a <= bound). */

int weighted_index_sum(const int *a, int n)
{
    int i, s = 0;

    for (i = 1; i <= n; i++)
        s += i * a[i - 1];
    return s;
}
