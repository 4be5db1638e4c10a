// Applies a mask to a vector: masked-in entries are multiplied by scale, masked-out entries become 0.
#include <vector>

std::vector<int> scaled_mask(std::vector<int> x, std::vector<int> mask, int scale, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; i++) {
        if (mask[i] != 0)
            out.push_back(x[i] * scale);
        else
            out.push_back(0);
    }
    return out;
}
