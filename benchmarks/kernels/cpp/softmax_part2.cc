// Second part of softmax: subtracts the maximum from each of the first max_pos logits.
#include <vector>

std::vector<int> softmax_part2(std::vector<int> input, int max_pos, int max_val) {
    std::vector<int> output;
    for (int i = 0; i < max_pos; i++) {
        int shifted = input[i] - max_val;
        output.push_back(shifted);
    }
    return output;
}
