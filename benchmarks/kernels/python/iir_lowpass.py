# One-pole low-pass filter: each output moves a quarter of the way from the previous output to the input.


def iir_lowpass(x, n):
    out = []
    y = 0
    for i in range(n):
        y = y + (x[i] - y) // 4
        out.append(y)
    return out
