/* style: pointer, early-exit, unsigned */
/* Position of the first differing byte of two buffers, or n when they are equal. */
#include <stddef.h>

size_t first_mismatch(const unsigned char *a, const unsigned char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (a[i] != b[i])
            break;
    }
    return i;
}
