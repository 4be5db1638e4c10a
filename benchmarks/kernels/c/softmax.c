/* style: pointer, inplace, void, float, libm, seeded, multi-loop */
/* Numerically stable softmax in place: subtract the max, exponentiate, normalize by the sum. */
/* requires: size >= 1 */
#include <math.h>

void softmax(float *x, int size)
{
    float max_val = x[0];
    for (int i = 1; i < size; i++) {
        if (x[i] > max_val)
            max_val = x[i];
    }
    float sum = 0.0f;
    for (int i = 0; i < size; i++) {
        x[i] = expf(x[i] - max_val);
        sum += x[i];
    }
    for (int i = 0; i < size; i++)
        x[i] /= sum;
}
