/* style: pointer, inplace, void, c89, second-iv, decrement, int */
/* Reverses n ints in place by swapping from both ends. */

void reverse_inplace(int *a, int n)
{
    int i, j, t;

    for (i = 0, j = n - 1; i < j; i++, j--) {
        t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
