// Clamps every element of a vector to the range lo..hi.
#include <vector>

int clamp_value(int v, int lo, int hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

std::vector<int> clamp_array(const std::vector<int>& x, int lo, int hi) {
    std::vector<int> out;
    int n = x.size();
    for (int i = 0; i < n; i++) {
        out.push_back(clamp_value(x[i], lo, hi));
    }
    return out;
}
