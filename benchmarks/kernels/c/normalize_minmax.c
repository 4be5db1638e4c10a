/* style: pointer, inplace, void, seeded, multi-loop, float */
/* Rescales n floats to [0, 1] in place: min and max first, then (x - min) / (max - min); all zeros when constant. */
/* requires: n >= 1 */

void normalize_minmax(float *x, int n)
{
    float lo = x[0], hi = x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < lo)
            lo = x[i];
        if (x[i] > hi)
            hi = x[i];
    }
    float range = hi - lo;
    for (int i = 0; i < n; i++)
        x[i] = range > 0.0f ? (x[i] - lo) / range : 0.0f;
}
