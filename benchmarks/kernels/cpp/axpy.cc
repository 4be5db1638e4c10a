// BLAS-1 axpy: alpha * x + y over the first n entries.
#include <vector>

std::vector<int> axpy(int alpha, const std::vector<int>& x, const std::vector<int>& y, int n) {
    std::vector<int> out(n);
    for (int i = 0; i < n; i++) {
        out[i] = alpha * x[i] + y[i];
    }
    return out;
}
