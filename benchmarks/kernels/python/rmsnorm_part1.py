# First part of RMS normalization: the sum of squares of all activations.


def rmsnorm_part1(activations):
    ss = 0
    for i in range(len(activations)):
        ss += activations[i] * activations[i]
    return ss
