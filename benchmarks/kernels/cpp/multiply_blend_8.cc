// Multiply blend of two 8-bit images: base * active / 255 per pixel.
#include <vector>

std::vector<std::vector<int>> multiply_blend_8(std::vector<std::vector<int>> base,
                                               std::vector<std::vector<int>> active, int m, int n) {
    std::vector<std::vector<int>> out;
    for (int row = 0; row < m; row++) {
        std::vector<int> row_vec;
        for (int col = 0; col < n; col++) {
            int pixel = base[row][col] * active[row][col] / 255;
            row_vec.push_back(pixel);
        }
        out.push_back(row_vec);
    }
    return out;
}
