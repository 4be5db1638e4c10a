/* style: pointer, early-exit, int */
/* 1 when the n ints are in non-decreasing order, else 0. */

int is_sorted(const int *a, int n)
{
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}
