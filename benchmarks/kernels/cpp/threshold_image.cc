// Binarizes an 8-bit image: pixels above the threshold become 255, the others 0.
#include <vector>

std::vector<std::vector<int>> threshold_image(std::vector<std::vector<int>> image, int threshold) {
    int rows = image.size();
    std::vector<std::vector<int>> out(rows);
    for (int i = 0; i < rows; i++) {
        int cols = image[i].size();
        for (int j = 0; j < cols; j++) {
            if (image[i][j] > threshold)
                out[i].push_back(255);
            else
                out[i].push_back(0);
        }
    }
    return out;
}
