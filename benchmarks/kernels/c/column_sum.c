/* style: pointer, c89, stride, flat2d, float */
/* Sum of column col of a row-major matrix with rows rows and leading dimension lda. */
/* requires: 0 <= col < lda */

float column_sum(const float *a, int rows, int lda, int col)
{
    int i;
    float s = 0.0f;

    for (i = 0; i < rows; i++)
        s += a[i * lda + col];
    return s;
}
