/* style: pointer, decrement, early-exit, float */
/* Index of the last strictly positive value, scanning backwards; -1 when there is none. */

int find_last_positive(const float *x, int n)
{
    int i = n;
    while (i-- > 0) {
        if (x[i] > 0.0f)
            return i;
    }
    return -1;
}
