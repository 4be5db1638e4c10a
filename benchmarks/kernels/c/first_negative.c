/* style: pointer, c89, early-exit, float */
/* Index of the first negative value, or n when every value is >= 0 (the loop is left by break). */

int first_negative(const float *x, int n)
{
    int i;

    for (i = 0; i < n; ++i) {
        if (x[i] < 0.0f)
            break;
    }
    return i;
}
