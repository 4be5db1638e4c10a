// BLAS-1 scal: multiplies every entry of a vector by alpha.
#include <vector>

std::vector<int> scal(int alpha, std::vector<int> x) {
    int n = x.size();
    for (int i = 0; i < n; i++) {
        x[i] *= alpha;
    }
    return x;
}
