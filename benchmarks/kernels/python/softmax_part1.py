# First part of softmax: the largest logit among logits[0] and the first max_pos logits.


def softmax_part1(logits, max_pos):
    max_val = logits[0]
    for i in range(1, max_pos):
        if logits[i] > max_val:
            max_val = logits[i]
    return max_val
