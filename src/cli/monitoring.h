/* Watching the system under test during a load run: start it (or attach), sample, stop. */
#ifndef LC_CLI_MONITORING_H
#define LC_CLI_MONITORING_H

#include <signal.h>
#include <stdint.h>

#include "core/error.h"
#include "results/result.h"

struct lc_monitor;
struct lc_sut;

/* What to watch; an empty request (no pid, no command) watches nothing. */
struct lc_cli_watch_spec {
    int pid;                   /* an existing process (and its children) */
    const char *command;       /* or a command to start in its own process group */
    const char *ready_url;     /* with command: wait until it answers 2xx */
    uint64_t ready_timeout_ns; /* 0: 30 s */
    uint64_t interval_ns;      /* 0: 1 s */
    int gpu;                   /* enum lc_monitor_gpu_mode */
};

struct lc_cli_watch {
    struct lc_sut *sut;     /* when we started it */
    struct lc_monitor *mon; /* NULL when nothing is watched */
};

/*
 * Start watching before the load (starting the command and waiting until it
 * is ready first). Returns 0, or an error whose message includes the
 * command's last stderr lines when it failed to start.
 */
int lc_cli_watch_start(const struct lc_cli_watch_spec *spec,
                       const volatile sig_atomic_t *interrupted, struct lc_cli_watch *w,
                       struct lc_error *err) LC_WARN_UNUSED;

/*
 * After the load: stop sampling, align the samples on the run's start
 * (t0_mono_ns) and add them to r as resource series. Returns 0 or LC_ENOMEM.
 */
int lc_cli_watch_finish(struct lc_cli_watch *w, uint64_t t0_mono_ns, struct lc_result *r);

/* Stop a command we started (SIGTERM, then SIGKILL after a grace period) and free all. */
void lc_cli_watch_free(struct lc_cli_watch *w);

#endif
