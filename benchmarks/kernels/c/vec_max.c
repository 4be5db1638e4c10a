/* style: pointer, float, libm, literal-macro */
/* Largest of n floats, -FLT_MAX for an empty array (NaNs are skipped by fmaxf). */
#include <float.h>
#include <math.h>

float vec_max(const float *x, int n)
{
    float m = -FLT_MAX;
    for (int i = 0; i < n; i++)
        m = fmaxf(m, x[i]);
    return m;
}
