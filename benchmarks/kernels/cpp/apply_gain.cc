// Applies a fixed-point gain (1/256 units) to every sample of an audio buffer.
#include <vector>

std::vector<int> apply_gain(const std::vector<int>& samples, int gain) {
    std::vector<int> out;
    int n = samples.size();
    for (int i = 0; i < n; i++) {
        out.push_back(samples[i] * gain / 256);
    }
    return out;
}
