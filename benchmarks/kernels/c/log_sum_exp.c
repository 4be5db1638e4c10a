/* style: pointer, float, libm, seeded, multi-loop */
/* log(sum(exp(x))) computed stably: max first, then the shifted exp-sum. */
/* requires: n >= 1 */
#include <math.h>

float log_sum_exp(const float *x, int n)
{
    float m = x[0];
    for (int i = 1; i < n; i++)
        m = fmaxf(m, x[i]);
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += expf(x[i] - m);
    return m + logf(s);
}
