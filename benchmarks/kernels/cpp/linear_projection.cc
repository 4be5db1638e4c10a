// Linear layer without bias: out[i] = sum over j of weight[i][j] * x[j] (a matrix-vector product).
#include <vector>

std::vector<int> linear_projection(std::vector<std::vector<int>> weight, std::vector<int> x,
                                   int d_out, int d_in) {
    std::vector<int> out;
    for (int i = 0; i < d_out; i++) {
        int acc = 0;
        for (int j = 0; j < d_in; j++) {
            acc += weight[i][j] * x[j];
        }
        out.push_back(acc);
    }
    return out;
}
