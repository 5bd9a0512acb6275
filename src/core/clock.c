/* Monotonic and wall clocks in nanoseconds. */
#include "core/clock.h"

#include <errno.h>
#include <time.h>

uint64_t lc_clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * LC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t lc_clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * LC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

void lc_clock_sleep_ns(uint64_t ns, const volatile int *stop)
{
    struct timespec req = {.tv_sec = (time_t)(ns / LC_NS_PER_SEC),
                           .tv_nsec = (long)(ns % LC_NS_PER_SEC)};
    struct timespec rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR) {
        if (stop && *stop)
            return;
        req = rem;
    }
}
