/* style: pointer, c89, early-exit, float, literal-macro */
/* 1 when none of the n floats is NaN or infinite, else 0 (stops at the first bad value). */
#include <math.h>

int all_finite(const float *x, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (isnan(x[i]) || isinf(x[i]))
            return 0;
    }
    return 1;
}
