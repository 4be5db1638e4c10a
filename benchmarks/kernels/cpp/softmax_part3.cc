// Third part of softmax: the sum of the first max_pos unnormalized outputs.
#include <vector>

int softmax_part3(std::vector<int> output, int max_pos) {
    int sum = 0;
    for (int i = 0; i < max_pos; i++) {
        sum += output[i];
    }
    return sum;
}
