// Removes the DC offset of a signal: subtracts the (truncated) mean of the first n samples from each.
#include <vector>

std::vector<int> remove_dc_offset(std::vector<int> x, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
        sum += x[i];
    }
    int mean = 0;
    if (n > 0)
        mean = sum / n;
    std::vector<int> out;
    for (int i = 0; i < n; i++) {
        out.push_back(x[i] - mean);
    }
    return out;
}
