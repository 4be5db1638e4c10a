// Energy of a window of a signal: the sum of squares of len samples starting at start.
#include <vector>

int window_energy(const std::vector<int>& signal, int start, int len) {
    int energy = 0;
    for (int i = 0; i < len; i++) {
        int s = signal[start + i];
        energy += s * s;
    }
    return energy;
}
