/* style: pointer, incr-expr, int */
/* Sum of n ints with the index advanced inside the subscript. */

long sum_while(const int *x, int n)
{
    long s = 0;
    int i = 0;

    while (i < n)
        s += x[i++];
    return s;
}
