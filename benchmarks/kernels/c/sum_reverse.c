/* style: pointer, decrement, incr-expr, float */
/* Sum of n floats taken from the last to the first (the unsigned count-down idiom i-- > 0). */
#include <stddef.h>

float sum_reverse(const float *x, size_t n)
{
    float s = 0.0f;
    for (size_t i = n; i-- > 0;)
        s += x[i];
    return s;
}
