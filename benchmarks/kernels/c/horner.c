/* style: pointer, c89, decrement, float */
/* Evaluates c[0] + c[1] x + ... + c[n-1] x^(n-1) by Horner's rule, highest coefficient first. */

float horner(const float *c, int n, float x)
{
    int i;
    float r = 0.0f;

    for (i = n - 1; i >= 0; i--)
        r = r * x + c[i];
    return r;
}
