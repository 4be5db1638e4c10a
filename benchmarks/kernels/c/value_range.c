/* style: pointer, seeded, typedef, int */
/* Difference between the largest and the smallest of n values. */
/* requires: n >= 1 */

typedef int sample_t;

sample_t value_range(const sample_t *v, int n)
{
    sample_t lo = v[0], hi = v[0];
    for (int i = 1; i < n; ++i) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    return hi - lo;
}
