/* style: pointer, float, typedef */
/* Inner product of two float vectors of length n. */
#include <stddef.h>

typedef float real;

real sdot(const real *x, const real *y, size_t n)
{
    real sum = 0.0f;
    for (size_t i = 0; i < n; i++)
        sum += x[i] * y[i];
    return sum;
}
