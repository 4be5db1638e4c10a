/* style: pointer, void, float, libm, define */
/* GELU activation, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
#include <math.h>

#define SQRT_2_OVER_PI 0.7978845608f
#define GELU_COEF 0.044715f

void gelu(const float *x, float *restrict y, int n)
{
    for (int i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(SQRT_2_OVER_PI * (v + GELU_COEF * v * v * v)));
    }
}
