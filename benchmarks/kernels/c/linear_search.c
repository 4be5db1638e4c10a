/* style: pointer, c89, early-exit, int */
/* Index of the first element equal to key, or -1 when there is none. */

int linear_search(const int *a, int n, int key)
{
    int i;

    for (i = 0; i < n; i++) {
        if (a[i] == key)
            return i;
    }
    return -1;
}
