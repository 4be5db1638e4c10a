/* style: pointer, c89, int */
/* Sum of a[lo] through a[hi], both ends included (a <= loop bound); 0 when hi < lo. */
/* requires: lo >= 0 */

int sum_range(const int *a, int lo, int hi)
{
    int i, s = 0;

    for (i = lo; i <= hi; i++)
        s += a[i];
    return s;
}
