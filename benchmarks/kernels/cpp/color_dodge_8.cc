// Color dodge blend of two 8-bit images: base * 255 / (255 - active), capped at 255; 255 where active is 255.
#include <vector>

int dodge_pixel(int base, int active) {
    if (active == 255)
        return 255;
    int value = base * 255 / (255 - active);
    return value > 255 ? 255 : value;
}

std::vector<std::vector<int>> color_dodge_8(const std::vector<std::vector<int>>& base,
                                            const std::vector<std::vector<int>>& active,
                                            int m, int n) {
    std::vector<std::vector<int>> out;
    for (int row = 0; row < m; row++) {
        std::vector<int> row_vec;
        for (int col = 0; col < n; col++) {
            row_vec.push_back(dodge_pixel(base[row][col], active[row][col]));
        }
        out.push_back(row_vec);
    }
    return out;
}
