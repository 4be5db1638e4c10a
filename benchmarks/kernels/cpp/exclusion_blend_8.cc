// Exclusion blend of two flattened 8-bit images: base + active - 2 * base * active / 255 per pixel.
#include <vector>

std::vector<int> exclusion_blend_8(const std::vector<int>& base, const std::vector<int>& active) {
    std::vector<int> out;
    int n = base.size();
    for (int i = 0; i < n; i++) {
        int product = base[i] * active[i];
        out.push_back(base[i] + active[i] - 2 * product / 255);
    }
    return out;
}
