/* style: pointer, inplace, void, decrement, int */
/* First differences in place, back to front so each step reads an unmodified neighbour: x[i] -= x[i-1]. */

void diff_inplace(int *x, int n)
{
    for (int i = n - 1; i > 0; --i)
        x[i] -= x[i - 1];
}
