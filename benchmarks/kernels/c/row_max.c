/* style: pointer, void, flat2d, seeded, float */
/* Largest entry of each row of a row-major rows x cols matrix, each row seeded from its first entry. */
/* requires: cols >= 1 */

void row_max(const float *a, int rows, int cols, float *restrict out)
{
    for (int r = 0; r < rows; r++) {
        const float *row = a + r * cols;
        float m = row[0];
        for (int c = 1; c < cols; c++) {
            if (row[c] > m)
                m = row[c];
        }
        out[r] = m;
    }
}
