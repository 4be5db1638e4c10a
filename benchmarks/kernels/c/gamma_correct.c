/* style: pointer, inplace, void, float, libm, mixed */
/* Gamma correction of n intensities in [0, 1], in place: v = v^(1/gamma), gamma given in tenths (22 is 2.2). */
/* requires: gamma_tenths != 0 */
#include <math.h>

void gamma_correct(float *v, int n, int gamma_tenths)
{
    float inv_gamma = 1.0f / (gamma_tenths * 0.1f);
    for (int i = 0; i < n; i++)
        v[i] = powf(v[i], inv_gamma);
}
