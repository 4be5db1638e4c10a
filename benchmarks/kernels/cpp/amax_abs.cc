// The largest absolute value among the first n entries (0 for an empty range).
#include <vector>

int abs_value(int v) {
    return v < 0 ? -v : v;
}

int amax_abs(const std::vector<int>& x, int n) {
    int best = 0;
    for (int i = 0; i < n; i++) {
        int magnitude = abs_value(x[i]);
        if (magnitude > best)
            best = magnitude;
    }
    return best;
}
