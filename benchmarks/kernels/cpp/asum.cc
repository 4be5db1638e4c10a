// BLAS-1 asum: the sum of the absolute values of the first n entries.
#include <vector>

int asum(std::vector<int> x, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] < 0)
            sum -= x[i];
        else
            sum += x[i];
    }
    return sum;
}
