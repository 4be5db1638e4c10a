// Darken blend of two 8-bit images: each output pixel is the darker of the base and active pixels.
#include <vector>

std::vector<std::vector<int>> darken_blend_8(std::vector<std::vector<int>> base,
                                             std::vector<std::vector<int>> active, int m, int n) {
    std::vector<std::vector<int>> out;
    for (int row = 0; row < m; row++) {
        std::vector<int> row_vec;
        for (int col = 0; col < n; col++) {
            int pixel;
            if (base[row][col] > active[row][col])
                pixel = active[row][col];
            else
                pixel = base[row][col];
            row_vec.push_back(pixel);
        }
        out.push_back(row_vec);
    }
    return out;
}
