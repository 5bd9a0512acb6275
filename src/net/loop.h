/* The event loop interface (epoll today, io_uring later): readiness of file descriptors. */
#ifndef LC_NET_LOOP_H
#define LC_NET_LOOP_H

#include <stdint.h>

#include "core/error.h"

/* Interest and readiness bits (values equal to epoll's, but use these names). */
#define LC_EV_READ  0x001u
#define LC_EV_WRITE 0x004u
#define LC_EV_ERROR 0x008u
#define LC_EV_HUP   0x010u

/* One loop per thread; not shared between threads. */
struct lc_loop {
    int fd;
};

/* A ready file descriptor: the pointer given to lc_loop_add and what is ready. */
struct lc_loop_event {
    void *ptr;
    uint32_t events;
};

/* Create the loop. Returns 0 or LC_ESYS (detail in err). */
int lc_loop_init(struct lc_loop *loop, struct lc_error *err) LC_WARN_UNUSED;

/* Close the loop (not the file descriptors registered in it). */
void lc_loop_close(struct lc_loop *loop);

/* Watch fd for `events` (level-triggered); `ptr` comes back in each event. */
int lc_loop_add(struct lc_loop *loop, int fd, uint32_t events, void *ptr) LC_WARN_UNUSED;

/* Change the interest of a watched fd. Costs a system call: not per request. */
int lc_loop_mod(struct lc_loop *loop, int fd, uint32_t events, void *ptr) LC_WARN_UNUSED;

/* Stop watching fd (closing fd also does that). */
void lc_loop_del(struct lc_loop *loop, int fd);

/*
 * Wait for at most `max` events, or until timeout_ns passes (-1: no limit,
 * 0: poll). Sub-millisecond timeouts are honoured (epoll_pwait2 when the
 * kernel has it). Returns the number of events (0 on timeout or EINTR), or
 * LC_ESYS.
 */
int lc_loop_wait(struct lc_loop *loop, struct lc_loop_event *out, int max, int64_t timeout_ns);

#endif
