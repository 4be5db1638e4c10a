// Subtract blend of two flattened 8-bit images: base - active per pixel, clamped at 0.
#include <vector>

std::vector<int> subtract_blend_8(std::vector<int> base, std::vector<int> active, int n) {
    std::vector<int> out;
    int i = 0;
    while (i < n) {
        int value = base[i] - active[i];
        out.push_back(value < 0 ? 0 : value);
        i++;
    }
    return out;
}
