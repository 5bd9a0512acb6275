/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
#include "core/rng.h"

#include <math.h>
#include <stdint.h>

#include "core/clock.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void lc_rng_seed(struct lc_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

uint64_t lc_rng_entropy(void)
{
    uint64_t x = lc_clock_wall_ns() ^ (lc_clock_now_ns() << 17);
    uintptr_t addr = (uintptr_t)&x;
    x ^= (uint64_t)addr;
    return splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t lc_rng_next(struct lc_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double lc_rng_uniform(struct lc_rng *rng)
{
    return (double)(lc_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t lc_rng_range(struct lc_rng *rng, uint64_t lo, uint64_t hi)
{
    uint64_t span = hi - lo + 1;
    if (span == 0) /* the whole 64-bit range */
        return lc_rng_next(rng);
    /* Lemire's nearly-divisionless bounded integer, unbiased. */
    __uint128_t m = (__uint128_t)lc_rng_next(rng) * span;
    uint64_t low = (uint64_t)m;
    if (low < span) {
        uint64_t threshold = -span % span;
        while (low < threshold) {
            m = (__uint128_t)lc_rng_next(rng) * span;
            low = (uint64_t)m;
        }
    }
    return lo + (uint64_t)(m >> 64);
}

double lc_rng_normal(struct lc_rng *rng)
{
    double u1 = lc_rng_uniform(rng);
    double u2 = lc_rng_uniform(rng);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double lc_rng_exponential(struct lc_rng *rng, double mean)
{
    double u = lc_rng_uniform(rng);
    return -mean * log1p(-u);
}
