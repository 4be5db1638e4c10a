/* style: pointer, inplace, void, int */
/* Adds a constant bias to each of the n entries of an int array. */

void add_bias(int a[], int n, int bias)
{
    for (int i = 0; i < n; i++)
        a[i] += bias;
}
