/* The command benchmark engine: a plain plan in, a Result (kind bench) out. No CLI concerns. */
#ifndef LC_BENCH_BENCH_H
#define LC_BENCH_BENCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/expr.h"
#include "bench/runner.h"
#include "bench/scan.h"
#include "core/error.h"
#include "results/result.h"

/* Metrics every run gets from wait4's rusage, stored with the custom ones. */
#define LC_BENCH_METRIC_VCSW  "ctx_switches_voluntary"
#define LC_BENCH_METRIC_IVCSW "ctx_switches_involuntary"

/* Where the benchmarked command's stdout goes (stderr: see lc_bench_plan.output). */
enum lc_bench_output {
    LC_BENCH_OUTPUT_NULL,    /* /dev/null (the default, as in hyperfine) */
    LC_BENCH_OUTPUT_PIPE,    /* a pipe loadcell reads and discards (for programs that
                                behave differently when writing to /dev/null) */
    LC_BENCH_OUTPUT_INHERIT, /* loadcell's own stdout and stderr */
    LC_BENCH_OUTPUT_FILE,    /* output_path, truncated once at the start */
};

/* One command to benchmark: templates in which "{param}" is substituted at each scan point. */
struct lc_bench_command_spec {
    const char *command;  /* required */
    const char *name;     /* NULL: the command text; stored unsubstituted (params are separate) */
    const char *prepare;  /* NULL: lc_bench_plan.prepare */
    const char *conclude; /* NULL: lc_bench_plan.conclude */
};

/*
 * A benchmark plan. Plain data owned by the caller, read-only during the run.
 * Every command string is a template; each runs through `shell -c` or, with
 * shell NULL, is split into argv by lc_bench_argv_split (no shell at all).
 * Order per command and scan point (hyperfine's): setup once; then for each
 * warm-up and timed run: prepare, the command, (artifact size, metrics), conclude;
 * cleanup once at the end.
 */
struct lc_bench_plan {
    const struct lc_bench_command_spec *commands; /* n_commands >= 1 */
    size_t n_commands;
    const struct lc_bench_scan *scans; /* grid of parameters (may be empty) */
    size_t n_scans;
    const char *shell;               /* "sh", "bash", ...: its start-up time is measured and
                                        subtracted; NULL: no shell */
    unsigned shell_calibration_runs; /* runs of `shell -c ''` timed (>= 1) */
    uint64_t warmup_runs;            /* untimed runs first */
    uint64_t runs;                   /* exactly this many timed runs; 0: the budget below */
    uint64_t min_runs;               /* budget: at least this many (>= 1) ... */
    uint64_t max_runs;               /* ... at most this many (0: LC_RESULT_MAX_RUNS) ... */
    uint64_t min_time_ns;            /* ... and more until the runs' wall times sum to this */
    const char *setup;               /* templates; NULL: none */
    const char *prepare;
    const char *conclude;
    const char *cleanup;
    bool ignore_failure;    /* record failing runs and go on, instead of stopping */
    const char *input_path; /* the command's stdin; NULL: /dev/null */
    enum lc_bench_output output;
    const char *output_path; /* LC_BENCH_OUTPUT_FILE only */
    const char *artifact;    /* template of a path whose size is recorded after each run */
    const struct lc_bench_derive *derives; /* evaluated per run, in order */
    size_t n_derives;
    uint64_t timeout_ns; /* per run of any command; 0: none */
};

/* Fill p with the defaults (hyperfine's): shell "sh", 50 calibration runs, 10..unlimited runs, 3 s.
 */
void lc_bench_plan_defaults(struct lc_bench_plan *p);

/* What an event reports (see lc_bench_hooks). */
enum lc_bench_event_kind {
    LC_BENCH_EV_POINT_START, /* a command at a scan point is about to be measured */
    LC_BENCH_EV_RUN,         /* one run (warm-up or timed) finished */
    LC_BENCH_EV_POINT_DONE,  /* its runs are done (and in the Result) */
};

struct lc_bench_event {
    enum lc_bench_event_kind kind;
    size_t point;                                  /* 0-based over commands x grid points */
    size_t n_points;                               /* commands x grid points */
    const struct lc_result_bench_command *command; /* the Result's entry for this point */
    bool warmup;                                   /* EV_RUN: a warm-up run */
    uint64_t run;         /* EV_RUN: 1-based index among warm-ups or timed runs */
    uint64_t runs_min;    /* timed runs at least planned (an estimate under a time budget) */
    uint64_t runs_max;    /* timed runs at most */
    double wall_sum_s;    /* EV_RUN: sum of the point's timed wall times so far */
    uint64_t min_time_ns; /* the time budget (0: -r) */
    const struct lc_bench_measure *measure; /* EV_RUN: the raw measure (before shell subtraction) */
};

/* Callbacks and the stop flag. Everything may be NULL / zero. */
struct lc_bench_hooks {
    void (*on_event)(const struct lc_bench_event *ev, void *ctx); /* on the calling thread */
    void *ctx;
    const volatile sig_atomic_t *interrupted; /* set by a signal handler to stop */
};

/* What the run learnt besides the Result: calibration, harness cost, a failure. */
struct lc_bench_outcome {
    bool partial;     /* stopped before the plan's end (failure or interruption) */
    bool interrupted; /* stopped by hooks->interrupted */
    /* The shell's start-up cost, subtracted from every run (shell != NULL). */
    bool shell_calibrated;
    uint64_t shell_wall_ns; /* medians over shell_runs runs of `shell -c ''` */
    uint64_t shell_user_ns;
    uint64_t shell_sys_ns;
    unsigned shell_runs;
    /* The harness's own overhead. */
    uint64_t timed_runs;           /* timed runs of benchmarked commands */
    uint64_t all_runs;             /* every process spawned (warm-up, helpers, calibration) */
    uint64_t spawn_median_ns;      /* median time posix_spawn took (inside each wall time) */
    double harness_cpu_per_run_ns; /* loadcell's own CPU (RUSAGE_SELF) per process spawned */
    uint64_t harness_rss_bytes;    /* loadcell's peak RSS: the floor of every max_rss */
    /* The failure that stopped the run, when one did. */
    int failed_exit_code;   /* -1 when none */
    char stderr_tail[2048]; /* the last lines its stderr wrote ("" when none or inherited) */
};

/*
 * Run the plan and append to r (which the caller initialised with kind
 * LC_RESULT_KIND_BENCH; argv, name, host and tool facts are the caller's):
 * one command entry per command x grid point (name, command as run, params),
 * its timed runs (wall, user, sys with the shell's start-up subtracted,
 * max RSS, exit code, artifact size, metrics from $LOADCELL_METRICS, derived
 * metrics, context switches), start/end times, duration, the harness's own
 * CPU (gen_cpu_*: loadcell's, less the time spent in hooks), and warnings about the measurement
 * (shell subtraction, outliers, memory at the harness floor, missing artifacts or metrics, failed
 * runs).
 *
 * Returns 0 when every run completed. Otherwise r still holds everything
 * measured so far, with partial = true and stop_reason set, and the call
 * returns: LC_EINTR (interrupted), LC_ESYS (a benchmarked command failed
 * without ignore_failure, a helper command failed, or a process could not be
 * started: err says which, with its exit code; out->stderr_tail has its last
 * stderr lines), LC_EINVAL (a plan error, e.g. a command that cannot be split)
 * or LC_ENOMEM / LC_ELIMIT. out is always filled.
 */
int lc_bench_run(const struct lc_bench_plan *plan, const struct lc_bench_hooks *hooks,
                 struct lc_result *r, struct lc_bench_outcome *out,
                 struct lc_error *err) LC_WARN_UNUSED;

/*
 * "n=100, m=4" for c's params into buf (empty when none). Returns buf.
 */
char *lc_bench_params_label(const struct lc_result_bench_command *c, char *buf, size_t size);

#endif
