/* style: pointer, void, c89, float, libm, mixed, multi-loop, define */
/* Layer normalization: out = (x - mean) / sqrt(var + eps) * weight + bias (three passes). */
/* requires: n >= 1 */
#include <math.h>

#define LN_EPS 1e-5f

void layernorm(float *out, const float *x, const float *weight, const float *bias, int n)
{
    int i;
    float m = 0.0f, v = 0.0f, d, rstd;

    for (i = 0; i < n; i++)
        m += x[i];
    m = m / n;
    for (i = 0; i < n; i++) {
        d = x[i] - m;
        v += d * d;
    }
    v = v / n;
    rstd = 1.0f / sqrtf(v + LN_EPS);
    for (i = 0; i < n; i++)
        out[i] = (x[i] - m) * rstd * weight[i] + bias[i];
}
