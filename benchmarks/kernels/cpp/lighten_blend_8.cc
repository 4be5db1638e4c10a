// Lighten blend of two 8-bit images: each output pixel is the lighter of the base and active pixels.
#include <vector>

std::vector<std::vector<int>> lighten_blend_8(const std::vector<std::vector<int>>& base,
                                              const std::vector<std::vector<int>>& active) {
    int rows = base.size();
    std::vector<std::vector<int>> out(rows);
    for (int i = 0; i < rows; i++) {
        int cols = base[i].size();
        out[i].resize(cols);
        for (int j = 0; j < cols; j++) {
            out[i][j] = base[i][j] < active[i][j] ? active[i][j] : base[i][j];
        }
    }
    return out;
}
