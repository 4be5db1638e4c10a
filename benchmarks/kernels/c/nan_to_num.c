/* style: pointer, inplace, void, float, literal-macro */
/* Replaces every NaN among n floats by fill, in place. */
#include <math.h>

void nan_to_num(float *x, int n, float fill)
{
    for (int i = 0; i < n; i++)
        if (isnan(x[i]))
            x[i] = fill;
}
