/* style: pointer, void, float, libm, mixed, multi-loop, define */
/* RMS normalization: o = weight * x / sqrt(mean(x^2) + eps). */
/* requires: size >= 1 */
#include <math.h>

#define RMS_EPS 1e-5f

void rmsnorm(float *restrict o, const float *x, const float *weight, int size)
{
    float ss = 0.0f;
    for (int j = 0; j < size; j++)
        ss += x[j] * x[j];
    ss /= size;
    ss += RMS_EPS;
    ss = 1.0f / sqrtf(ss);
    for (int j = 0; j < size; j++)
        o[j] = weight[j] * (ss * x[j]);
}
