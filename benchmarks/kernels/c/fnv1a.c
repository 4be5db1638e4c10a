/* style: pointer, define, unsigned */
/* 32-bit FNV-1a hash of n bytes (unsigned arithmetic wraps modulo 2^32). */
#include <stddef.h>
#include <stdint.h>

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

uint32_t fnv1a(const unsigned char *p, size_t n)
{
    uint32_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}
