// Attention scores of one head: dot products of the query slice with each cached key, divided by scale.
#include <vector>

std::vector<int> attention_scores(int token_position, int head, int head_size,
                                  const std::vector<std::vector<int>>& key_cache_layer,
                                  const std::vector<int>& q, int scale) {
    std::vector<int> attention;
    for (int timestep = 0; timestep < token_position; timestep++) {
        int score = 0;
        for (int i = 0; i < head_size; i++) {
            score += q[head * head_size + i] * key_cache_layer[timestep][head * head_size + i];
        }
        if (scale != 0)
            score /= scale;
        attention.push_back(score);
    }
    return attention;
}
