// Second part of RMS normalization: scales each activation by a fixed-point factor and its weight (Q16).
#include <vector>

std::vector<int> rmsnorm_part2(std::vector<int> input, std::vector<int> weight, int inv_rms, int n) {
    std::vector<int> output;
    for (int i = 0; i < n; i++) {
        int normalized = inv_rms * input[i];
        output.push_back(weight[i] * normalized / 65536);
    }
    return output;
}
