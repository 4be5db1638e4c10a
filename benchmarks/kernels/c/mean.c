/* style: pointer, float, mixed */
/* Arithmetic mean of n floats; 0 for an empty array. */
#include <stddef.h>

float mean(const float *x, size_t n)
{
    float sum = 0.0f;
    size_t i;

    for (i = 0; i < n; i++)
        sum += x[i];
    return n ? sum / n : 0.0f;
}
