// The sum of each row of an m x n matrix.
#include <vector>

std::vector<int> row_sums(std::vector<std::vector<int>> matrix, int m, int n) {
    std::vector<int> sums;
    for (int i = 0; i < m; i++) {
        int total = 0;
        for (int j = 0; j < n; j++) {
            total += matrix[i][j];
        }
        sums.push_back(total);
    }
    return sums;
}
