// The largest element of a non-empty vector.
#include <vector>

int larger(int a, int b) {
    if (a > b)
        return a;
    return b;
}

int array_max(const std::vector<int>& values) {
    int n = values.size();
    int best = values[0];
    for (int i = 1; i < n; i++) {
        best = larger(best, values[i]);
    }
    return best;
}
