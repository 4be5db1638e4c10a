// Normal blend with opacity of two flattened 8-bit images: (opacity * active + (255 - opacity) * base) / 255.
#include <vector>

std::vector<int> normal_blend_8(const std::vector<int>& base, const std::vector<int>& active,
                                int opacity, int n) {
    std::vector<int> out(n);
    int inverse = 255 - opacity;
    for (int i = 0; i < n; i++) {
        out[i] = (opacity * active[i] + inverse * base[i]) / 255;
    }
    return out;
}
