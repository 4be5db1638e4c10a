/* style: pointer, c89, float, libm */
/* Cosine of the angle between two float vectors; 0 when either is all zeros. */
#include <math.h>

float cosine_similarity(const float *a, const float *b, int n)
{
    int i;
    float dot = 0.0f, na = 0.0f, nb = 0.0f;

    for (i = 0; i < n; i++) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    if (na == 0.0f || nb == 0.0f)
        return 0.0f;
    return dot / (sqrtf(na) * sqrtf(nb));
}
