/* style: pointer, void, c89, flat2d, float */
/* xout = W x for a row-major d x n matrix W stored flat (w[i*n + j]). */

void matmul_vec(float *xout, const float *x, const float *w, int n, int d)
{
    int i, j;
    float val;

    for (i = 0; i < d; i++) {
        val = 0.0f;
        for (j = 0; j < n; j++)
            val += w[i * n + j] * x[j];
        xout[i] = val;
    }
}
