// Attention output of one head: the attention-weighted sum of the cached value vectors.
#include <vector>

std::vector<int> attention_weighted_sum(int token_position, int head, int head_size,
                                        std::vector<int> attention,
                                        std::vector<std::vector<int>> value_cache_layer) {
    std::vector<int> xb;
    for (int i = 0; i < head_size; i++) {
        int curr = 0;
        for (int timestep = 0; timestep < token_position; timestep++) {
            curr += attention[timestep] * value_cache_layer[timestep][head * head_size + i];
        }
        xb.push_back(curr);
    }
    return xb;
}
