// Color burn blend of two 8-bit images: 255 - (255 - base) / active, clamped at 0; 255 where active is 0.
#include <vector>

std::vector<std::vector<int>> color_burn_8(std::vector<std::vector<int>> base,
                                           std::vector<std::vector<int>> active, int m, int n) {
    std::vector<std::vector<int>> out;
    for (int row = 0; row < m; row++) {
        std::vector<int> row_vec;
        for (int col = 0; col < n; col++) {
            int pixel;
            if (active[row][col] == 0) {
                pixel = 255;
            } else {
                pixel = 255 - (255 - base[row][col]) / active[row][col];
                if (pixel < 0)
                    pixel = 0;
            }
            row_vec.push_back(pixel);
        }
        out.push_back(row_vec);
    }
    return out;
}
