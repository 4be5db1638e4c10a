/* style: pointer, inplace, void, float, libm */
/* SwiGLU gate: hb = silu(hb) * hb2, in place in hb (silu(v) = v * sigmoid(v)). */
#include <math.h>

void silu_mul(float *hb, const float *hb2, int hidden_dim)
{
    for (int i = 0; i < hidden_dim; i++) {
        float val = hb[i];
        val *= (1.0f / (1.0f + expf(-val)));
        val *= hb2[i];
        hb[i] = val;
    }
}
