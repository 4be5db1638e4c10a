// Hard clipping distortion: limits every sample to the range -limit..limit.
#include <vector>

std::vector<int> hard_clip(std::vector<int> samples, int n, int limit) {
    std::vector<int> out;
    for (int i = 0; i < n; i++) {
        int s = samples[i];
        if (s > limit)
            out.push_back(limit);
        else if (s < -limit)
            out.push_back(-limit);
        else
            out.push_back(s);
    }
    return out;
}
