/* style: pointer, inplace, void, flat2d, float */
/* Rank-1 update A += alpha * x y^T of a row-major m x n matrix. */

void sger(int m, int n, float alpha, const float *x, const float *y, float *a)
{
    for (int i = 0; i < m; i++) {
        float t = alpha * x[i];
        for (int j = 0; j < n; j++)
            a[i * n + j] += t * y[j];
    }
}
