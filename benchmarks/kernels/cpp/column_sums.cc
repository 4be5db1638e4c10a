// The sum of each column of an m x n matrix.
#include <vector>

std::vector<int> column_sums(const std::vector<std::vector<int>>& matrix, int m, int n) {
    std::vector<int> sums(n);
    for (int j = 0; j < n; j++) {
        sums[j] = 0;
        for (int i = 0; i < m; i++) {
            sums[j] += matrix[i][j];
        }
    }
    return sums;
}
