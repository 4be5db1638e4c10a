/* style: pointer, argmax, int, literal-macro */
/* Index of the smallest of n ints (the first one on ties); -1 for an empty array. */
#include <limits.h>

int argmin_int(const int *a, int n)
{
    int best = INT_MAX;
    int best_i = 0;

    if (n <= 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (a[i] < best) {
            best = a[i];
            best_i = i;
        }
    }
    return best_i;
}
