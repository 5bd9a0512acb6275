/* Seeded pseudo-random numbers (xoshiro256**): reproducible, one state per thread. */
#ifndef LC_CORE_RNG_H
#define LC_CORE_RNG_H

#include <stdint.h>

/* Generator state; plain struct so each thread can embed its own (no locking). */
struct lc_rng {
    uint64_t s[4];
};

/* Seed from a 64-bit value (splitmix64 expands it); equal seeds give equal streams. */
void lc_rng_seed(struct lc_rng *rng, uint64_t seed);

/* A seed from the clock and the address space, for runs without --seed. */
uint64_t lc_rng_entropy(void);

/* Next 64 random bits. */
uint64_t lc_rng_next(struct lc_rng *rng);

/* Uniform double in [0, 1). */
double lc_rng_uniform(struct lc_rng *rng);

/* Uniform integer in [lo, hi] (inclusive; lo <= hi). */
uint64_t lc_rng_range(struct lc_rng *rng, uint64_t lo, uint64_t hi);

/* Standard normal deviate (mean 0, sd 1), Box-Muller. */
double lc_rng_normal(struct lc_rng *rng);

/* Exponential deviate with the given mean (> 0). */
double lc_rng_exponential(struct lc_rng *rng, double mean);

#endif
