// Fourth part of softmax: normalizes the first max_pos outputs by their sum, in 1/256 fixed point.
#include <vector>

std::vector<int> softmax_part4(std::vector<int> unnormalized_output, int max_pos, int sum) {
    if (sum == 0)
        sum = 1;
    std::vector<int> output;
    for (int i = 0; i < max_pos; i++) {
        output.push_back(unnormalized_output[i] * 256 / sum);
    }
    return output;
}
