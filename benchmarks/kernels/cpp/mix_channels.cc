// Mixes two audio channels with fixed-point weights (1/256 units) into one.
#include <vector>

std::vector<int> mix_channels(std::vector<int> left, std::vector<int> right, int left_weight,
                              int right_weight, int n) {
    std::vector<int> mixed(n);
    for (int i = 0; i < n; i++) {
        int acc = left[i] * left_weight;
        acc += right[i] * right_weight;
        acc /= 256;
        mixed[i] = acc;
    }
    return mixed;
}
