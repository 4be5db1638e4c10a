/* Kernels of benchmarks/dropin.py and docs/bench.md: float and double BLAS-1 style loops
   over pointers, in place (void) or returning a value. */
#include <math.h>
void saxpy(int n, float a, const float *x, float *y) {
    int i;
    for (i = 0; i < n; i++) y[i] += a * x[i];
}
float sdot(int n, const float *x, const float *y) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}
void relu(int n, float *x) {
    for (int i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
double dnorm(int n, const double *x) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    return sqrt(s);
}
void sscal(int n, float a, float *x) {
    for (int i = 0; i < n; i++) x[i] *= a;
}
