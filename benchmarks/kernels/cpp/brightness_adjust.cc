// Brightness adjustment of an 8-bit image: adds delta to every pixel and clamps the result to 0..255.
#include <vector>

int clamp_pixel(int value) {
    if (value < 0)
        return 0;
    if (value > 255)
        return 255;
    return value;
}

std::vector<std::vector<int>> brightness_adjust(const std::vector<std::vector<int>>& image,
                                                int rows, int cols, int delta) {
    std::vector<std::vector<int>> out;
    for (int i = 0; i < rows; i++) {
        std::vector<int> line;
        for (int j = 0; j < cols; j++) {
            line.push_back(clamp_pixel(image[i][j] + delta));
        }
        out.push_back(line);
    }
    return out;
}
