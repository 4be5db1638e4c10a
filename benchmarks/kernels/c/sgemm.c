/* style: pointer, void, c89, flat2d, float */
/* C = A B for row-major A (m x k), B (k x n) and C (m x n), all stored flat. */

void sgemm(int m, int n, int k, const float *a, const float *b, float *restrict c)
{
    int i, j, p;
    float acc;

    for (i = 0; i < m; i++) {
        for (j = 0; j < n; j++) {
            acc = 0.0f;
            for (p = 0; p < k; p++)
                acc += a[i * k + p] * b[p * n + j];
            c[i * n + j] = acc;
        }
    }
}
