/* style: pointer, c89, early-exit, int */
/* Index of key in a sorted int array (any matching index), or -1; the classic halving loop. */
/* requires: a sorted in non-decreasing order */

int binary_search(const int *a, int n, int key)
{
    int lo, hi, mid;

    lo = 0;
    hi = n - 1;
    while (lo <= hi) {
        mid = lo + (hi - lo) / 2;
        if (a[mid] == key)
            return mid;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}
