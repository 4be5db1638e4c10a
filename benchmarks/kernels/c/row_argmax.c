/* style: pointer, void, flat2d, argmax, seeded, float */
/* Column index of the largest entry of each row (first on ties), e.g. the predicted class per sample. */
/* requires: cols >= 1 */

void row_argmax(const float *scores, int rows, int cols, int *restrict labels)
{
    int i, j, best;

    for (i = 0; i < rows; ++i) {
        best = 0;
        for (j = 1; j < cols; ++j) {
            if (scores[i * cols + j] > scores[i * cols + best])
                best = j;
        }
        labels[i] = best;
    }
}
