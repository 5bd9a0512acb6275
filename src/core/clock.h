/* Monotonic and wall clocks in nanoseconds: the only time source of loadcell. */
#ifndef LC_CORE_CLOCK_H
#define LC_CORE_CLOCK_H

#include <stdint.h>

#define LC_NS_PER_US  1000ULL
#define LC_NS_PER_MS  1000000ULL
#define LC_NS_PER_SEC 1000000000ULL

/* CLOCK_MONOTONIC in ns. Never goes backwards; unrelated to the wall clock. */
uint64_t lc_clock_now_ns(void);

/* CLOCK_REALTIME in ns since the Unix epoch, for timestamps in results only. */
uint64_t lc_clock_wall_ns(void);

/* Sleep for ns nanoseconds (restarted on EINTR unless *stop becomes non-zero). */
void lc_clock_sleep_ns(uint64_t ns, const volatile int *stop);

#endif
