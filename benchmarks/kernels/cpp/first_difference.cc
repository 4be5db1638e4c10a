// First difference of a signal: x[i + 1] - x[i] for the first n samples.
#include <vector>

std::vector<int> first_difference(std::vector<int> x, int n) {
    std::vector<int> diff;
    for (int i = 0; i + 1 < n; i++) {
        diff.push_back(x[i + 1] - x[i]);
    }
    return diff;
}
