/* style: pointer, void, c89, define, typedef, float */
/* Valid-mode FIR filter with NTAPS taps: y[i] = sum_k h[k] * x[i + k] for i = 0..n-NTAPS. */

#define NTAPS 8

typedef float sample;

void fir_filter(const sample *x, int n, const sample h[NTAPS], sample *restrict y)
{
    int i, k;
    sample acc;

    for (i = 0; i + NTAPS <= n; i++) {
        acc = 0.0f;
        for (k = 0; k < NTAPS; k++)
            acc += h[k] * x[i + k];
        y[i] = acc;
    }
}
