/* Start the system under test, wait until it answers, stop it: its process group, its stderr. */
#ifndef LC_MONITOR_SUT_H
#define LC_MONITOR_SUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define LC_SUT_DEFAULT_READY_TIMEOUT_NS 30000000000ULL /* 30 s */
#define LC_SUT_DEFAULT_POLL_NS          100000000ULL   /* 100 ms */
#define LC_SUT_DEFAULT_GRACE_NS         5000000000ULL  /* 5 s */

/*
 * Usage (the --monitor-cmd/--ready wiring):
 *
 *   struct lc_sut_config sc = {.command = cmd, .ready_url = url, .interrupted = &flag};
 *   struct lc_sut *sut;
 *   if (lc_sut_start(&sc, &sut, &err) != 0) -> print err.msg (it quotes the SUT's last
 *                                               stderr lines), exit lc_exit_code_for(err.code)
 *   struct lc_monitor_config mc = {.pid = lc_sut_pid(sut)};  ... lc_monitor_start ...
 *   ... the run ...
 *   lc_monitor_stop(m); lc_sut_stop(sut, &exit_code); lc_sut_free(sut);
 */

/* What to start. A zero field takes its default. */
struct lc_sut_config {
    const char *command;       /* required: run as /bin/sh -c COMMAND, in a new process group */
    const char *ready_url;     /* http(s):// URL polled until it answers 2xx; NULL: no wait */
    uint64_t ready_timeout_ns; /* how long to wait for ready (30 s) */
    uint64_t poll_ns;          /* time between two polls (100 ms) */
    uint64_t grace_ns;         /* lc_sut_stop: SIGTERM, then SIGKILL after this long (5 s) */
    bool inherit_stdout;       /* the SUT's stdout: loadcell's (true) or /dev/null (false) */
    /* When it becomes non-zero (a signal handler), the wait for ready stops: LC_EINTR.
     * May be NULL. */
    const volatile sig_atomic_t *interrupted;
};

/* A started system under test. */
struct lc_sut;

/*
 * Start cfg->command with /bin/sh -c through posix_spawn
 * (POSIX_SPAWN_SETPGROUP: its own process group, so that a terminal's Ctrl-C
 * does not reach it and lc_sut_stop can signal all of it; default signal
 * dispositions, empty mask), stdin from /dev/null, stderr into an unlinked
 * temporary file in $TMPDIR (else /tmp) whose last lines error messages
 * quote. With a ready URL, poll it (a minimal HTTP/1.1 GET, see
 * lc_sut_http_get) every poll_ns until it answers 2xx. cfg and its strings
 * need not outlive the call. On success *out owns the running process.
 * Errors (the process, if started, is stopped and reaped; *out NULL):
 *   LC_EINVAL   no command; a ready URL that does not parse (http:// or https://)
 *   LC_ERESOLVE the ready URL's host does not resolve
 *   LC_ESYS     it could not be started; it exited before it became ready
 *               ("'CMD' exited with status 3 before it answered http://...")
 *   LC_ECONNECT it did not become ready in time ("... did not answer ... within 30s;
 *               last attempt: connection refused"); or the ready URL answered
 *               before the command was started (another process holds the port:
 *               it would be mistaken for the command)
 *   LC_EINTR    *interrupted became non-zero
 * The ESYS and ECONNECT messages end with its last stderr lines, as many as
 * fit ("\n  | line"); lc_sut_stderr_tail is not available then.
 */
int lc_sut_start(const struct lc_sut_config *cfg, struct lc_sut **out,
                 struct lc_error *err) LC_WARN_UNUSED;

/* The pid of the shell that runs the command (the root of its tree; also its process group). */
int lc_sut_pid(const struct lc_sut *s);

/*
 * Has it exited? Reaps it when it has, without blocking. *exit_code (may be
 * NULL) then gets its status: the exit code, or 128 + N when killed by signal N.
 */
bool lc_sut_exited(struct lc_sut *s, int *exit_code);

/*
 * Stop it: SIGTERM to its process group, wait up to grace_ns for the group
 * to be gone (lc_sut_group_alive), then SIGKILL to whatever is left and wait
 * up to 1 s more; reap the shell. Safe when it has exited already (the rest
 * of its group is still signalled). *exit_code (may be NULL) gets the
 * shell's status as in lc_sut_exited. Idempotent.
 */
void lc_sut_stop(struct lc_sut *s, int *exit_code);

/*
 * Copy the last max_lines lines of its stderr (at most the last 8 KB of
 * it) into buf (NUL-terminated, lines separated by '\n', no trailing
 * newline; control bytes other than tab become '?'; when they do not fit,
 * the end is kept, from a line start where possible). Returns the length.
 */
size_t lc_sut_stderr_tail(const struct lc_sut *s, size_t max_lines, char *buf, size_t size);

/*
 * Does process group pgid still have a member that is not a zombie (from
 * /proc/PID/stat)? An orphaned zombie is not counted: where PID 1 does not
 * reap, it would stay forever.
 */
bool lc_sut_group_alive(int pgid);

/* Stop it if needed (lc_sut_stop), close the stderr file and free s. NULL is a no-op. */
void lc_sut_free(struct lc_sut *s);

/*
 * A minimal blocking HTTP/1.1 GET of an http:// or https:// URL (Connection:
 * close): resolve, try each address in turn, send the request and read the
 * status line. Over https the certificate is not verified: the question is
 * whether the server answers (the run that follows verifies its target).
 * *status receives the status code. Returns 0 when a status line came back
 * (whatever the code), LC_EINVAL (a bad URL), LC_ERESOLVE, LC_ECONNECT
 * (refused, timed out, reset, a failed TLS handshake, or not HTTP: err says
 * which). The whole exchange is bounded by timeout_ns.
 */
int lc_sut_http_get(const char *url, uint64_t timeout_ns, int *status,
                    struct lc_error *err) LC_WARN_UNUSED;

#endif
