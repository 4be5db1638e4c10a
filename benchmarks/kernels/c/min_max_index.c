/* style: pointer, void, argmax, seeded, float */
/* Positions of the smallest and the largest of n floats (first on ties), written through imin and imax. */
/* requires: n >= 1 */

void min_max_index(const float *x, int n, int *imin, int *imax)
{
    float lo = x[0], hi = x[0];
    int ilo = 0, ihi = 0;

    for (int i = 1; i < n; i++) {
        if (x[i] < lo) {
            lo = x[i];
            ilo = i;
        } else if (x[i] > hi) {
            hi = x[i];
            ihi = i;
        }
    }
    *imin = ilo;
    *imax = ihi;
}
