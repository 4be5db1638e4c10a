// BLAS-2 gemv: alpha * A * x + beta * y for an m x n matrix A.
#include <vector>

std::vector<int> gemv(int m, int n, int alpha, const std::vector<std::vector<int>>& a,
                      const std::vector<int>& x, int beta, const std::vector<int>& y) {
    std::vector<int> out;
    for (int i = 0; i < m; i++) {
        int sum = 0;
        for (int j = 0; j < n; j++) {
            sum += a[i][j] * x[j];
        }
        out.push_back(alpha * sum + beta * y[i]);
    }
    return out;
}
