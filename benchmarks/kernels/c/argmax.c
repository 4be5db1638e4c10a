/* style: pointer, float, argmax, seeded */
/* Index of the largest of n floats (the first one on ties), e.g. greedy decoding of logits. */
/* requires: n >= 1 */

int argmax(const float *x, int n)
{
    int max_i = 0;
    float max_p = x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] > max_p) {
            max_i = i;
            max_p = x[i];
        }
    }
    return max_i;
}
