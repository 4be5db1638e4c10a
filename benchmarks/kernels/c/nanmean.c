/* style: pointer, float, mixed, literal-macro */
/* Mean of the non-NaN entries among n floats; NAN when there are none. */
#include <math.h>

float nanmean(const float *x, int n)
{
    float sum = 0.0f;
    int count = 0;

    for (int i = 0; i < n; i++) {
        if (!isnan(x[i])) {
            sum += x[i];
            count++;
        }
    }
    return count > 0 ? sum / count : NAN;
}
