// Running (inclusive prefix) sum of the first n entries.
#include <vector>

std::vector<int> prefix_sum(const std::vector<int>& x, int n) {
    std::vector<int> out;
    int running = 0;
    for (int i = 0; i < n; i++) {
        running += x[i];
        out.push_back(running);
    }
    return out;
}
