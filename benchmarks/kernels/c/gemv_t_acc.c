/* style: pointer, inplace, void, flat2d, float */
/* y += A^T x for a row-major m x n matrix A: y has n entries, x has m. */

void gemv_t_acc(int m, int n, const float *a, const float *x, float *restrict y)
{
    for (int i = 0; i < m; i++) {
        float xi = x[i];
        for (int j = 0; j < n; j++)
            y[j] += a[i * n + j] * xi;
    }
}
