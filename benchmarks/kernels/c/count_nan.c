/* style: pointer, float, int, literal-macro */
/* Number of NaN entries among n floats. */
#include <math.h>

int count_nan(const float *x, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (isnan(x[i]))
            count++;
    }
    return count;
}
