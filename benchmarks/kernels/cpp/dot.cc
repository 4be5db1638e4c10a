// BLAS-1 dot product of the first n entries of two vectors.
#include <vector>

int dot(const std::vector<int>& x, const std::vector<int>& y, int n) {
    int result = 0;
    for (int i = 0; i < n; i++) {
        result += x[i] * y[i];
    }
    return result;
}
