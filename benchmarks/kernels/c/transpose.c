/* style: pointer, void, flat2d, float */
/* Writes the transpose of a row-major rows x cols matrix into t (cols x rows). */

void transpose(const float *a, float *restrict t, int rows, int cols)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            t[j * rows + i] = a[i * cols + j];
}
