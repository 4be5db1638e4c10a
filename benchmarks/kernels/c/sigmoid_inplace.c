/* style: pointer, inplace, void, float, libm */
/* Logistic function applied in place: x = 1 / (1 + exp(-x)). */
#include <math.h>

void sigmoid_inplace(float *x, int n)
{
    int i;

    for (i = 0; i < n; ++i)
        x[i] = 1.0f / (1.0f + expf(-x[i]));
}
