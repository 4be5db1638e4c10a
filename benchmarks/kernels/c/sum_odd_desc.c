/* style: pointer, c89, decrement, step, int */
/* Sum of a[n-1], a[n-3], a[n-5], ... taken from the end in steps of two. */

int sum_odd_desc(const int *a, int n)
{
    int i, s = 0;

    for (i = n - 1; i >= 0; i -= 2)
        s += a[i];
    return s;
}
