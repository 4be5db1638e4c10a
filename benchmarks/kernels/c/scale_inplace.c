/* style: pointer, inplace, void, float */
/* Multiplies each of the n entries of a by s. */

void scale_inplace(float *a, int n, float s)
{
    for (int i = 0; i < n; i++)
        a[i] *= s;
}
