/* style: pointer, inplace, void, float, libm, multi-loop, define */
/* Scales a vector to unit Euclidean length in place (EPS keeps a zero vector finite). */
#include <math.h>

#define EPS 1e-12f

void l2_normalize(float *x, int n)
{
    float ss = 0.0f;
    for (int i = 0; i < n; i++)
        ss += x[i] * x[i];
    float inv = 1.0f / sqrtf(ss + EPS);
    for (int i = 0; i < n; i++)
        x[i] *= inv;
}
