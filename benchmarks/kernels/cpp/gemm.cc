// Matrix product of an m x k matrix and a k x n matrix.
#include <vector>

int row_times_column(const std::vector<std::vector<int>>& a, const std::vector<std::vector<int>>& b,
                     int row, int col, int k) {
    int sum = 0;
    for (int p = 0; p < k; p++) {
        sum += a[row][p] * b[p][col];
    }
    return sum;
}

std::vector<std::vector<int>> gemm(const std::vector<std::vector<int>>& a,
                                   const std::vector<std::vector<int>>& b, int m, int k, int n) {
    std::vector<std::vector<int>> c;
    for (int i = 0; i < m; i++) {
        std::vector<int> row;
        for (int j = 0; j < n; j++) {
            row.push_back(row_times_column(a, b, i, j, k));
        }
        c.push_back(row);
    }
    return c;
}
