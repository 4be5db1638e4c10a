/* style: pointer, void, float, libm, mixed, multi-loop, define */
/* Symmetric 8-bit quantization: scale = max|x| / 127, q[i] = round(x[i] / scale); the scale goes to *scale_out. */
/* requires: x finite */
#include <math.h>

#define Q8_MAX 127.0f

void quantize_q8(const float *x, signed char *q, int n, float *scale_out)
{
    float amax = 0.0f;
    for (int i = 0; i < n; i++)
        amax = fmaxf(amax, fabsf(x[i]));
    float scale = amax / Q8_MAX;
    float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
    for (int i = 0; i < n; i++) {
        float v = floorf(x[i] * inv + 0.5f);
        q[i] = (signed char)fminf(fmaxf(v, -Q8_MAX), Q8_MAX);
    }
    *scale_out = scale;
}
