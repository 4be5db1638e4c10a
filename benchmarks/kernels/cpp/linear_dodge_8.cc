// Linear dodge (additive) blend of two 8-bit images: base + active per pixel, over the whole image.
#include <vector>

std::vector<std::vector<int>> linear_dodge_8(std::vector<std::vector<int>> base,
                                             const std::vector<std::vector<int>>& active) {
    std::vector<std::vector<int>> out = base;
    int rows = base.size();
    for (int i = 0; i < rows; i++) {
        int cols = base[i].size();
        for (int j = 0; j < cols; j++) {
            out[i][j] += active[i][j];
        }
    }
    return out;
}
