/* Run one process and measure it: posix_spawn, CLOCK_MONOTONIC and wait4's rusage. */
#ifndef LC_BENCH_RUNNER_H
#define LC_BENCH_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/*
 * What to run and where its standard streams go. File descriptors belong to
 * the caller and stay open; the runner only dup2()s them into the child.
 */
struct lc_bench_spawn {
    char *const *argv;   /* argv[0] is looked up in PATH unless it contains '/' */
    char *const *envp;   /* the child's environment; NULL: the caller's environ */
    int stdin_fd;        /* the child's stdin; -1: inherit */
    int stdout_fd;       /* the child's stdout; -1: inherit (ignored when pipe_stdout) */
    int stderr_fd;       /* the child's stderr; -1: inherit */
    bool pipe_stdout;    /* stdout into a pipe that the runner reads and discards */
    uint64_t timeout_ns; /* kill the process group after this long; 0: no limit */
    /* Set asynchronously (by a signal handler) to stop: the process group gets
     * SIGTERM, then SIGKILL after a grace period. May be NULL. */
    const volatile sig_atomic_t *interrupted;
};

/* One run's measurement. */
struct lc_bench_measure {
    uint64_t wall_ns;  /* CLOCK_MONOTONIC from just before posix_spawn to just after wait4 */
    uint64_t spawn_ns; /* of which posix_spawn itself (clone + exec, until it returned) */
    /* From wait4's rusage: the process and every descendant it waited for. */
    uint64_t user_ns;
    uint64_t sys_ns;
    /* ru_maxrss: the largest peak RSS of any ONE of those processes (not a sum
     * of processes alive at once), and never below the RSS of the spawning
     * process at exec time (Linux charges the pre-exec image to the child). */
    uint64_t max_rss_bytes;
    uint64_t vol_ctx_switches;   /* ru_nvcsw: waits (I/O, sleep, locks) */
    uint64_t invol_ctx_switches; /* ru_nivcsw: preemptions */
    uint64_t stdout_bytes;       /* bytes read from the pipe (pipe_stdout only) */
    int exit_code;               /* exit status, or 128 + N when killed by signal N */
    int term_signal;             /* N when killed by a signal, else 0 */
    bool timed_out;              /* killed because timeout_ns passed */
    bool interrupted;            /* killed because *interrupted became non-zero */
};

/*
 * Spawn s->argv in a new process group with default signal dispositions and
 * an empty signal mask, wait for it, and measure it into *m. The wait uses a
 * pidfd (poll) when the kernel has one, so that a timeout, an interruption or
 * a stdout pipe can be served; otherwise a plain blocking wait4 (then a
 * timeout is enforced by polling every millisecond).
 * Returns 0 when the process ran (whatever its exit status: see m), or
 * LC_ESYS when it could not be started (a missing program: the
 * message names argv[0] and errno), with nothing left running.
 */
int lc_bench_spawn_run(const struct lc_bench_spawn *s, struct lc_bench_measure *m,
                       struct lc_error *err) LC_WARN_UNUSED;

#endif
