// Difference blend of two flattened 8-bit images: |base - active| per pixel.
#include <vector>

std::vector<int> difference_blend_8(std::vector<int> base, std::vector<int> active, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; i++) {
        int diff = base[i] - active[i];
        if (diff < 0)
            diff = -diff;
        out.push_back(diff);
    }
    return out;
}
