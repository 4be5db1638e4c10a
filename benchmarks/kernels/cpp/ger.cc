// BLAS-2 ger: the rank-one update A + alpha * x * y^T of an m x n matrix.
#include <vector>

std::vector<std::vector<int>> ger(int m, int n, int alpha, std::vector<int> x, std::vector<int> y,
                                  std::vector<std::vector<int>> a) {
    std::vector<std::vector<int>> out;
    for (int i = 0; i < m; i++) {
        std::vector<int> row;
        int scaled_x = alpha * x[i];
        for (int j = 0; j < n; j++) {
            row.push_back(a[i][j] + scaled_x * y[j]);
        }
        out.push_back(row);
    }
    return out;
}
