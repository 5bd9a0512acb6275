/* The event loop on Linux epoll, with nanosecond timeouts through epoll_pwait2. */
#include "net/loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 256

/* Set when the kernel lacks epoll_pwait2 (before 5.11): fall back to epoll_wait. */
static int no_pwait2;

int lc_loop_init(struct lc_loop *loop, struct lc_error *err)
{
    loop->fd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->fd < 0)
        return lc_error_sys(err, errno, "epoll_create1");
    return 0;
}

void lc_loop_close(struct lc_loop *loop)
{
    if (loop->fd >= 0)
        close(loop->fd);
    loop->fd = -1;
}

static int ctl(struct lc_loop *loop, int op, int fd, uint32_t events, void *ptr)
{
    struct epoll_event ev = {.events = events, .data.ptr = ptr};
    return epoll_ctl(loop->fd, op, fd, &ev) == 0 ? 0 : LC_ESYS;
}

int lc_loop_add(struct lc_loop *loop, int fd, uint32_t events, void *ptr)
{
    return ctl(loop, EPOLL_CTL_ADD, fd, events, ptr);
}

int lc_loop_mod(struct lc_loop *loop, int fd, uint32_t events, void *ptr)
{
    return ctl(loop, EPOLL_CTL_MOD, fd, events, ptr);
}

void lc_loop_del(struct lc_loop *loop, int fd)
{
    struct epoll_event ev = {0};
    epoll_ctl(loop->fd, EPOLL_CTL_DEL, fd, &ev);
}

int lc_loop_wait(struct lc_loop *loop, struct lc_loop_event *out, int max, int64_t timeout_ns)
{
    struct epoll_event evs[MAX_BATCH];
    if (max > MAX_BATCH)
        max = MAX_BATCH;
    int n = -1;
#ifdef SYS_epoll_pwait2
    if (!no_pwait2) {
        struct timespec ts, *tsp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = timeout_ns / 1000000000LL;
            ts.tv_nsec = timeout_ns % 1000000000LL;
            tsp = &ts;
        }
        n = (int)syscall(SYS_epoll_pwait2, loop->fd, evs, max, tsp, NULL, 0);
        if (n < 0 && errno == ENOSYS)
            no_pwait2 = 1;
    }
#else
    no_pwait2 = 1;
#endif
    if (no_pwait2) {
        /* Round up so that a timer is never fired early. */
        int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
        n = epoll_wait(loop->fd, evs, max, ms);
    }
    if (n < 0)
        return errno == EINTR ? 0 : LC_ESYS;
    for (int i = 0; i < n; i++) {
        out[i].ptr = evs[i].data.ptr;
        out[i].events = evs[i].events;
    }
    return n;
}
