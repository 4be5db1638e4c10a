/* style: pointer, c89, step, int */
/* Sum of the elements at even positions 0, 2, 4, ... of an int array. */

int sum_even_indices(const int *a, int n)
{
    int i, s = 0;

    for (i = 0; i < n; i += 2)
        s += a[i];
    return s;
}
