// Histogram: counts how many of the first n values fall into each of num_bins unit-wide bins starting at 0.
#include <vector>

std::vector<int> histogram(const std::vector<int>& values, int n, int num_bins) {
    if (num_bins < 0)
        num_bins = 0;
    std::vector<int> bins(num_bins, 0);
    for (int i = 0; i < n; i++) {
        int v = values[i];
        if (v >= 0 && v < num_bins)
            bins[v] += 1;
    }
    return bins;
}
