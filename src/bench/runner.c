/* The process runner of `loadcell bench`: spawn, time, reap, with timeouts and interruption. */
#include "bench/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"

extern char **environ;

/* How long a process group gets between SIGTERM and SIGKILL. */
#define KILL_GRACE_NS (2 * LC_NS_PER_SEC)
/* How often an untimed wait looks at the interruption flag. */
#define CHECK_INTERVAL_MS 100

static uint64_t tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * LC_NS_PER_SEC + (uint64_t)tv->tv_usec * LC_NS_PER_US;
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Read and discard what the pipe holds now; returns 1 at EOF, else 0. */
static int drain(int fd, uint64_t *bytes)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            *bytes += (uint64_t)n;
            continue;
        }
        if (n == 0)
            return 1;
        if (errno == EINTR)
            continue;
        return 0; /* EAGAIN, or an error we cannot act on */
    }
}

/* Escalation state for stopping a run. */
struct stopper {
    pid_t pgid;
    uint64_t deadline_ns; /* 0: no timeout */
    uint64_t kill_at_ns;  /* SIGKILL time once SIGTERM was sent; 0: not sent */
    const volatile sig_atomic_t *interrupted;
    struct lc_bench_measure *m;
};

/* Send the signals a stop calls for at time now. */
static void check_stop(struct stopper *st, uint64_t now)
{
    if (st->kill_at_ns == 0) {
        int stop = 0;
        if (st->interrupted && *st->interrupted) {
            st->m->interrupted = true;
            stop = 1;
        } else if (st->deadline_ns && now >= st->deadline_ns) {
            st->m->timed_out = true;
            stop = 1;
        }
        if (stop) {
            kill(-st->pgid, SIGTERM);
            st->kill_at_ns = now + KILL_GRACE_NS;
        }
    } else if (now >= st->kill_at_ns) {
        kill(-st->pgid, SIGKILL);
        st->kill_at_ns = UINT64_MAX;
    }
}

/* Milliseconds to sleep before the next check (-1: forever). */
static int next_wait_ms(const struct stopper *st, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    if (st->kill_at_ns && st->kill_at_ns != UINT64_MAX)
        next = st->kill_at_ns;
    else if (st->kill_at_ns == 0 && st->deadline_ns)
        next = st->deadline_ns;
    int ms = -1;
    if (next != UINT64_MAX)
        ms = next <= now ? 0 : (int)((next - now + LC_NS_PER_MS - 1) / LC_NS_PER_MS);
    if (st->interrupted && st->kill_at_ns == 0 && (ms < 0 || ms > CHECK_INTERVAL_MS))
        ms = CHECK_INTERVAL_MS;
    return ms;
}

int lc_bench_spawn_run(const struct lc_bench_spawn *s, struct lc_bench_measure *m,
                       struct lc_error *err)
{
    memset(m, 0, sizeof(*m));
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int pipefd[2] = {-1, -1};
    int pidfd = -1;
    int rc = 0;
    if (s->pipe_stdout) {
        if (pipe2(pipefd, O_CLOEXEC) != 0)
            return lc_error_sys(err, errno, "cannot create a pipe for the command's output");
        fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    if (s->stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, s->stdin_fd, STDIN_FILENO);
    if (s->pipe_stdout)
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    else if (s->stdout_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, s->stdout_fd, STDOUT_FILENO);
    if (s->stderr_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, s->stderr_fd, STDERR_FILENO);
    /* Its own process group (so a stop reaches its children), default signal
     * dispositions (loadcell ignores SIGPIPE; the command must not inherit
     * that) and an empty mask. */
    sigset_t all, none;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    sigemptyset(&none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);

    pid_t pid;
    uint64_t t0 = lc_clock_now_ns();
    int src = posix_spawnp(&pid, s->argv[0], &fa, &attr, s->argv, s->envp ? s->envp : environ);
    uint64_t t1 = lc_clock_now_ns();
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (pipefd[1] >= 0) {
        close(pipefd[1]);
        pipefd[1] = -1;
    }
    if (src != 0) {
        rc = lc_error_sys(err, src, "cannot run '%s'", s->argv[0]);
        goto out;
    }
    m->spawn_ns = t1 - t0;

    struct stopper st = {
        .pgid = pid,
        .deadline_ns = s->timeout_ns ? t0 + s->timeout_ns : 0,
        .interrupted = s->interrupted,
        .m = m,
    };
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    pidfd = pidfd_open_compat(pid);
    if (pidfd >= 0) {
        /* Poll the pidfd (and the pipe): wakes at exit, at a deadline, or to look at the flag. */
        struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
                                {.fd = pipefd[0], .events = POLLIN}};
        nfds_t nfds = pipefd[0] >= 0 ? 2 : 1;
        for (;;) {
            int ms = next_wait_ms(&st, lc_clock_now_ns());
            int n = poll(pfd, nfds, ms);
            if (n > 0 && nfds == 2 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                if (drain(pipefd[0], &m->stdout_bytes) || (pfd[1].revents & POLLERR))
                    nfds = 1; /* EOF (every writer closed it) or a broken pipe */
            }
            if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
                break;
            if (n < 0 && errno != EINTR)
                break; /* fall back to the blocking wait4 below */
            check_stop(&st, lc_clock_now_ns());
        }
        while (wait4(pid, &status, 0, &ru) < 0) {
            if (errno != EINTR) {
                rc = lc_error_sys(err, errno, "wait4 failed");
                goto out;
            }
        }
    } else if (pipefd[0] >= 0 || s->timeout_ns) {
        /* No pidfd (old kernel or a seccomp filter): poll for the exit every millisecond. */
        for (;;) {
            pid_t w = wait4(pid, &status, WNOHANG, &ru);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                rc = lc_error_sys(err, errno, "wait4 failed");
                goto out;
            }
            struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
            poll(&pfd, pipefd[0] >= 0 ? 1 : 0, 1);
            if (pipefd[0] >= 0)
                drain(pipefd[0], &m->stdout_bytes);
            check_stop(&st, lc_clock_now_ns());
        }
    } else {
        /* Blocking wait; a signal (Ctrl-C) interrupts it with EINTR. */
        while (wait4(pid, &status, 0, &ru) < 0) {
            if (errno != EINTR) {
                rc = lc_error_sys(err, errno, "wait4 failed");
                goto out;
            }
            check_stop(&st, lc_clock_now_ns());
        }
    }
    uint64_t t2 = lc_clock_now_ns();
    if (pipefd[0] >= 0)
        drain(pipefd[0], &m->stdout_bytes);

    m->wall_ns = t2 - t0;
    m->user_ns = tv_ns(&ru.ru_utime);
    m->sys_ns = tv_ns(&ru.ru_stime);
    m->max_rss_bytes = ru.ru_maxrss > 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0;
    m->vol_ctx_switches = ru.ru_nvcsw > 0 ? (uint64_t)ru.ru_nvcsw : 0;
    m->invol_ctx_switches = ru.ru_nivcsw > 0 ? (uint64_t)ru.ru_nivcsw : 0;
    if (WIFEXITED(status)) {
        m->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        m->term_signal = WTERMSIG(status);
        m->exit_code = 128 + m->term_signal;
    }
out:
    if (pidfd >= 0)
        close(pidfd);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    return rc;
}
