/* style: pointer, c89, int, literal-macro */
/* Largest of n ints, INT_MIN for an empty array. */
#include <limits.h>

int max_int(const int *a, int n)
{
    int i, m = INT_MIN;

    for (i = 0; i < n; i++)
        if (a[i] > m)
            m = a[i];
    return m;
}
