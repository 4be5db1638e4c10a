// Screen blend of two 8-bit images: 255 - (255 - base) * (255 - active) / 255 per pixel.
#include <vector>

int screen_pixel(int base, int active) {
    int inv_base = 255 - base;
    int inv_active = 255 - active;
    return 255 - inv_base * inv_active / 255;
}

std::vector<std::vector<int>> screen_blend_8(const std::vector<std::vector<int>>& base,
                                             const std::vector<std::vector<int>>& active,
                                             int rows, int cols) {
    std::vector<std::vector<int>> out;
    for (int i = 0; i < rows; i++) {
        std::vector<int> line;
        for (int j = 0; j < cols; j++) {
            line.push_back(screen_pixel(base[i][j], active[i][j]));
        }
        out.push_back(line);
    }
    return out;
}
