/* style: pointer, c89, decrement, early-exit, int */
/* Index of the last element equal to key, searching from the end; -1 when there is none. */

int last_index_of(const int *a, int n, int key)
{
    int i;

    for (i = n - 1; i >= 0; i--)
        if (a[i] == key)
            return i;
    return -1;
}
