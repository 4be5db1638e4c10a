// Counts the entries among the first n that are greater than a threshold.
#include <vector>

int count_above(std::vector<int> x, int n, int threshold) {
    int count = 0;
    for (int i = 0; i < n; i++) {
        count += x[i] > threshold ? 1 : 0;
    }
    return count;
}
