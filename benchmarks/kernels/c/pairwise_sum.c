/* style: pointer, void, step, float */
/* Sums adjacent pairs: out[i/2] = x[i] + x[i+1] for even i; a trailing odd element is dropped. */

void pairwise_sum(const float *x, float *restrict out, int n)
{
    for (int i = 0; i + 1 < n; i += 2)
        out[i / 2] = x[i] + x[i + 1];
}
