// Overlay blend of two 8-bit images: multiply where the base is dark, screen where it is light.
#include <vector>

int overlay_pixel(int base, int active) {
    if (base >= 128)
        return 255 - 2 * (255 - base) * (255 - active) / 255;
    return 2 * base * active / 255;
}

std::vector<std::vector<int>> overlay_blend_8(std::vector<std::vector<int>> base,
                                              std::vector<std::vector<int>> active, int m, int n) {
    std::vector<std::vector<int>> out;
    for (int row = 0; row < m; row++) {
        std::vector<int> row_vec;
        for (int col = 0; col < n; col++) {
            row_vec.push_back(overlay_pixel(base[row][col], active[row][col]));
        }
        out.push_back(row_vec);
    }
    return out;
}
