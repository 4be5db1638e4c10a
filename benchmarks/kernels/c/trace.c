/* style: pointer, flat2d, typedef, int */
/* Sum of the diagonal of a flat row-major n x n integer matrix. */

typedef int value_t;

value_t trace(const value_t *m, int n)
{
    value_t t = 0;
    for (int i = 0; i < n; i++)
        t += m[i * n + i];
    return t;
}
