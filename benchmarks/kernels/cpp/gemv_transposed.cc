// BLAS-2 gemv with the transposed matrix: out[j] = sum over i of A[i][j] * x[i] for an m x n matrix A.
#include <vector>

std::vector<int> gemv_transposed(const std::vector<std::vector<int>>& a, const std::vector<int>& x,
                                 int m, int n) {
    std::vector<int> out(n, 0);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            out[j] += a[i][j] * x[i];
        }
    }
    return out;
}
