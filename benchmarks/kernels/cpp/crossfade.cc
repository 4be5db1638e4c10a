// Crossfade between two audio buffers at a fixed position t out of 256.
#include <vector>

std::vector<int> crossfade(const std::vector<int>& from, const std::vector<int>& to, int n, int t) {
    std::vector<int> out;
    int k = 0;
    while (k < n) {
        out.push_back((from[k] * (256 - t) + to[k] * t) / 256);
        k++;
    }
    return out;
}
