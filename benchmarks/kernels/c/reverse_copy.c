/* style: pointer, void, c89, second-iv, decrement, int */
/* Writes the n ints of src into dst in reverse order. */

void reverse_copy(const int *src, int *restrict dst, int n)
{
    int i, j;

    for (i = 0, j = n - 1; i < n; i++, j--)
        dst[j] = src[i];
}
