// Symmetric int8 quantization: divides each activation by the scale and saturates to -127..127.
#include <vector>

int saturate_int8(int value) {
    if (value > 127)
        return 127;
    else if (value < -127)
        return -127;
    return value;
}

std::vector<int> quantize_activations(const std::vector<int>& x, int n, int scale) {
    int divisor = scale > 0 ? scale : 1;
    std::vector<int> q(n);
    for (int i = 0; i < n; i++) {
        q[i] = saturate_int8(x[i] / divisor);
    }
    return q;
}
