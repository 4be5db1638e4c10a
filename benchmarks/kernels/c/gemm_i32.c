/* style: pointer, inplace, void, flat2d, typedef, int */
/* C = alpha * A B + beta * C on int32 matrices with leading dimensions (row-major, lda >= k, ldb >= n, ldc >= n). */
#include <stdint.h>

typedef int32_t elem_t;

void gemm_i32(int m, int n, int k, elem_t alpha, const elem_t *a, int lda,
              const elem_t *b, int ldb, elem_t beta, elem_t *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            elem_t acc = 0;
            for (int p = 0; p < k; p++)
                acc += a[i * lda + p] * b[p * ldb + j];
            c[i * ldc + j] = alpha * acc + beta * c[i * ldc + j];
        }
    }
}
