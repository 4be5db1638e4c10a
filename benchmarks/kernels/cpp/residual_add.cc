// Residual connection: adds the block output to the residual stream, element by element.
#include <vector>

std::vector<int> residual_add(std::vector<int> x, const std::vector<int>& block_out) {
    int dim = x.size();
    for (int i = 0; i < dim; i++) {
        x[i] += block_out[i];
    }
    return x;
}
