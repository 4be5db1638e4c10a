// First part of RMS normalization: the sum of squares of the first n activations.
#include <vector>

int rmsnorm_part1(const std::vector<int>& input, int n) {
    int ss = 0;
    for (int i = 0; i < n; i++) {
        ss += input[i] * input[i];
    }
    return ss;
}
