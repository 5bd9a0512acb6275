/* The Result model: the one hub every subcommand fills and every report reads. */
#ifndef LC_RESULTS_RESULT_H
#define LC_RESULTS_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/hdr.h"
#include "results/host.h"

/*
 * Errors: the add functions return LC_EINVAL for a NULL required string,
 * LC_ENOMEM, or LC_ELIMIT past the caps below; on failure nothing is added.
 *
 * Ownership, for everything in this file: a struct lc_result owns every byte
 * reachable from it (strings, arrays, histograms); lc_result_free releases it
 * all. Producers write scalar fields directly, set strings with
 * lc_result_set_str (which copies), and grow arrays only through the add
 * functions below (which copy their inputs and enforce the caps). Strings are
 * NULL when absent. Containers (phases, per-request stats, resource series,
 * bench commands) are arrays of pointers, so a pointer returned by an add
 * function stays valid until lc_result_free; leaf arrays (series points,
 * samples, thresholds, bench runs, params, metrics) are arrays of values.
 *
 * Times: wall clock in ns since the Unix epoch; everything else in ns relative
 * to the run start (the start wall time), or seconds (double) where a field
 * says _s. Nothing here is thread-safe: one thread fills a Result.
 */

/* The schema tag written to every file; readers accept any "loadcell.result/1[.N]". */
#define LC_RESULT_SCHEMA       "loadcell.result/1"
#define LC_RESULT_SCHEMA_MAJOR 1

/* Caps on array lengths (an add beyond one returns LC_ELIMIT). */
#define LC_RESULT_MAX_ARGS       65536
#define LC_RESULT_MAX_WARNINGS   1024
#define LC_RESULT_MAX_PHASES     4096
#define LC_RESULT_MAX_NAMES      4096       /* per-request-name stats in one phase or the totals */
#define LC_RESULT_MAX_POINTS     (1u << 22) /* series points of a phase, samples of a resource */
#define LC_RESULT_MAX_ERROR_KIND 256
#define LC_RESULT_MAX_RESOURCES  4096
#define LC_RESULT_MAX_THRESHOLDS 4096
#define LC_RESULT_MAX_COMMANDS   65536
#define LC_RESULT_MAX_RUNS       (1u << 20)
#define LC_RESULT_MAX_PARAMS     256
#define LC_RESULT_MAX_METRICS    256

/* Status codes are counted in a flat array indexed by code; see lc_result_stats_add_status. */
#define LC_RESULT_STATUS_MAX 600

/* Which subcommand produced the result. */
enum lc_result_kind {
    LC_RESULT_KIND_HTTP,
    LC_RESULT_KIND_RUN,
    LC_RESULT_KIND_BENCH,
    LC_RESULT_KIND_MONITOR,
};

/* Closed: users loop send/await/think. Open: requests start on a schedule. */
enum lc_result_model {
    LC_RESULT_MODEL_CLOSED,
    LC_RESULT_MODEL_OPEN,
};

/* How open-model start times are spaced. */
enum lc_result_arrival {
    LC_RESULT_ARRIVAL_UNIFORM,
    LC_RESULT_ARRIVAL_POISSON,
};

/* A threshold's outcome. */
enum lc_result_verdict {
    LC_RESULT_VERDICT_PASS,
    LC_RESULT_VERDICT_WARN,
    LC_RESULT_VERDICT_FAIL,
};

/* The histograms of a struct lc_result_stats (index into hist[] and has_hist[]). */
enum lc_result_hist {
    LC_HIST_LATENCY,      /* intended start -> response complete (coordinated omission corrected) */
    LC_HIST_SERVICE,      /* actual send -> response complete */
    LC_HIST_TTFB,         /* actual send -> first response byte */
    LC_HIST_CONNECT,      /* connect() -> TCP connection established */
    LC_HIST_SCHEDULE_LAG, /* intended start -> actual send */
    LC_HIST_TLS_HANDSHAKE, /* https: TCP established -> TLS handshake done */
    LC_HIST_COUNT
};

/* One error kind ("timeout", "connect_refused", "reset", "malformed", "status_5xx", ...). */
struct lc_result_error_count {
    char *kind;
    uint64_t count;
};

/*
 * Everything measured about a set of requests (a phase, a request name, a
 * total). Counters are plain fields; a histogram exists only where
 * has_hist[i] is true (lc_result_stats_enable_hist); hist[i] is all zero
 * otherwise. Memory: ~5 KB of status counters plus ~180 KB per enabled
 * histogram at the default range.
 */
struct lc_result_stats {
    uint64_t requests;  /* requests that ended, with a response or with an error */
    uint64_t errors;    /* those of them that ended in an error (errors <= requests) */
    uint64_t bytes_in;  /* bytes received, headers included */
    uint64_t bytes_out; /* bytes sent, headers included */
    /* Responses by status code; index 0 counts codes outside 100..599. */
    uint64_t status[LC_RESULT_STATUS_MAX];
    /* Errors by kind, in first-seen order; sum of counts == errors when filled by add_error. */
    struct lc_result_error_count *error_kinds;
    size_t n_error_kinds;
    size_t error_kinds_cap;
    /* Histograms of durations in ns. */
    struct lc_hdr hist[LC_HIST_COUNT];
    bool has_hist[LC_HIST_COUNT];
    uint64_t connections_requested;   /* connections the load asked for */
    uint64_t connections_established; /* successful connects (reconnects included) */
    uint64_t reconnects;              /* connects after the first on a connection slot */
    uint64_t unsent;                  /* requests scheduled but never sent (run ended first) */
    uint64_t in_flight_at_stop;       /* requests sent but unanswered when the load stopped */
    uint64_t late_starts;             /* requests sent later than intended beyond the tolerance */
    uint64_t clamped;                 /* values clamped to a histogram's highest trackable value */
    uint64_t tls_handshakes_full;     /* https: handshakes without session resumption */
    uint64_t tls_handshakes_resumed;  /* https: handshakes that resumed a saved session */
    double rps;        /* requests per second achieved (lc_result_compute_totals sets it) */
    double target_rps; /* mean rate asked for over the span: scheduled / duration (0: closed) */
};

/* Stats of one request name (the `name` of a scenario's request). */
struct lc_result_named_stats {
    char *name;
    struct lc_result_stats stats;
};

/* One interval (normally one second) of a phase's time series. */
struct lc_result_point {
    double t_s;        /* interval end, in s since the run start */
    uint64_t requests; /* requests that ended in the interval */
    uint64_t errors;   /* of which errors */
    uint64_t bytes_in; /* bytes received in the interval */
    uint64_t active;   /* open connections (open model) or active users (closed) */
    double target_rps; /* rate asked for at the interval's end (0: closed) */
    uint64_t latency_p50_ns;
    uint64_t latency_p90_ns;
    uint64_t latency_p99_ns;
    uint64_t latency_max_ns;
    uint64_t schedule_lag_p99_ns;
};

/* One scenario phase (a whole `loadcell http` run is one phase named "main"). */
struct lc_result_phase {
    char *name;
    enum lc_result_model model;
    uint64_t start_offset_ns; /* from the run start */
    uint64_t duration_ns;     /* measured length of the phase */
    bool recorded;            /* false for warmup: excluded from the totals */
    uint32_t target_users;    /* closed model: peak users asked for (display only) */
    double target_rps;        /* open model: peak rate asked for (display only; the mean
                                 rate asked for is stats.target_rps) */
    struct lc_result_stats stats;
    /* A breakpoint search (an open phase with stop_when): the target rate of the last
     * whole second before the stop in which stop_when did not hold (0: none), and of the
     * first of the 2 seconds in a row in which it held (0: it never did). */
    bool breakpoint;
    double breakpoint_held_rps;
    double breakpoint_failed_rps;
    struct lc_result_named_stats **requests; /* per request name, in first-added order */
    size_t n_requests;
    size_t requests_cap;
    struct lc_result_point *series;
    size_t n_series;
    size_t series_cap;
};

/* One (time, value) sample of a resource series. */
struct lc_result_sample {
    double t_s; /* s since the run start */
    double value;
};

/* A named resource series ("sut.cpu_percent", "sut.rss_bytes", "gen.cpu_percent"...). */
struct lc_result_resource {
    char *name;
    char *unit; /* "%", "bytes", "bytes/s", ... */
    struct lc_result_sample *samples;
    size_t n_samples;
    size_t samples_cap;
};

/* A threshold as evaluated at the end of the run. */
struct lc_result_threshold {
    char *expr;   /* as written: "steady.query: p(99) < 3s" */
    char *scope;  /* "steady.query", NULL for the whole run */
    char *metric; /* "p(99)", "error_rate", ... */
    char *op;     /* "<", "<=", ">", ">=" */
    double limit; /* in `unit` */
    double observed;
    char *unit; /* unit of limit and observed: "ms", "%", "/s", "bytes", ... or NULL */
    enum lc_result_verdict verdict;
    bool abort; /* the threshold may stop the run when it fails */
};

/* A parameter value of a bench command ("n" = "1000"). */
struct lc_result_param {
    char *key;
    char *value;
};

/* A custom metric of a bench run (name, value, unit). */
struct lc_result_metric {
    char *name;
    double value;
    char *unit; /* may be NULL */
};

/* One timed run of a bench command. */
struct lc_result_bench_run {
    uint64_t wall_ns;
    uint64_t user_ns;
    uint64_t sys_ns;
    uint64_t max_rss_bytes;
    int exit_code;          /* exit status; 128 + N when killed by signal N */
    int64_t artifact_bytes; /* size of the artifact after the run, -1 when none */
    struct lc_result_metric *metrics;
    size_t n_metrics;
    size_t metrics_cap;
};

/* One benchmarked command (one point of a parameter scan). */
struct lc_result_bench_command {
    char *name;
    char *command; /* the command line as run (parameters substituted) */
    struct lc_result_param *params;
    size_t n_params;
    size_t params_cap;
    struct lc_result_bench_run *runs;
    size_t n_runs;
    size_t runs_cap;
};

/* The load configuration of an http/run result. */
struct lc_result_load {
    char *target_url;
    char *method;
    enum lc_result_model model;
    uint32_t connections;
    uint32_t threads;
    double rate_per_s; /* 0 in the closed model */
    enum lc_result_arrival arrival;
    uint64_t duration_ns;   /* 0 when bounded by request_limit only */
    uint64_t request_limit; /* 0: none */
    uint64_t timeout_ns;
    uint64_t warmup_ns;
    uint32_t pipeline_depth;
    uint64_t think_min_ns;
    uint64_t think_max_ns;
    char *tls_min_version;  /* https: "1.2" or "1.3"; NULL for plain http */
    bool tls_verify;        /* https: the server's certificate was verified (not --insecure) */
    char *tls_verify_error; /* https: the latest verification failure's reason, or NULL */
};

/* The Result. Zero it with lc_result_init; free everything with lc_result_free. */
struct lc_result {
    /* Metadata. */
    enum lc_result_kind kind;
    char *name;
    char *tool_version;
    char *tool_commit;
    char **argv; /* the command line, argc entries */
    size_t argc;
    char *scenario_path;    /* NULL unless run from a scenario file */
    uint64_t start_wall_ns; /* ns since the Unix epoch */
    uint64_t end_wall_ns;
    uint64_t duration_ns; /* measured run length */
    bool partial;         /* interrupted: the figures cover only part of the plan */
    char *stop_reason;    /* why the run stopped early ("interrupted", "threshold ..."), or NULL */
    char **warnings;      /* measurement caveats ("generator CPU saturated") */
    size_t n_warnings;
    size_t warnings_cap;
    struct lc_host host;
    /* The generator's own cost during the run (ENGINE.md item 7). */
    double gen_cpu_user_s;
    double gen_cpu_sys_s;

    /* Load configuration (http and run). */
    bool has_load;
    struct lc_result_load load;

    /* Phases in run order. */
    struct lc_result_phase **phases;
    size_t n_phases;
    size_t phases_cap;

    /* Totals over the recorded phases (lc_result_compute_totals). */
    struct lc_result_stats total;
    struct lc_result_named_stats **requests;
    size_t n_requests;
    size_t requests_cap;

    /* Resource series (monitor). */
    struct lc_result_resource **resources;
    size_t n_resources;
    size_t resources_cap;

    /* Threshold verdicts. */
    struct lc_result_threshold *thresholds;
    size_t n_thresholds;
    size_t thresholds_cap;

    /* Bench commands (bench). */
    struct lc_result_bench_command **commands;
    size_t n_commands;
    size_t commands_cap;
};

/* ---- Names of the enums (the strings used in JSON) ---------------------- */

const char *lc_result_kind_name(enum lc_result_kind k);       /* "http", "run", ... */
const char *lc_result_model_name(enum lc_result_model m);     /* "closed", "open" */
const char *lc_result_arrival_name(enum lc_result_arrival a); /* "uniform", "poisson" */
const char *lc_result_verdict_name(enum lc_result_verdict v); /* "pass", "warn", "fail" */
const char *lc_result_hist_name(enum lc_result_hist h);       /* "latency", "ttfb", ... */
/* Parse one of the names above; return 0 or LC_EINVAL (out untouched). */
int lc_result_kind_parse(const char *s, enum lc_result_kind *out) LC_WARN_UNUSED;
int lc_result_model_parse(const char *s, enum lc_result_model *out) LC_WARN_UNUSED;
int lc_result_arrival_parse(const char *s, enum lc_result_arrival *out) LC_WARN_UNUSED;
int lc_result_verdict_parse(const char *s, enum lc_result_verdict *out) LC_WARN_UNUSED;
int lc_result_hist_parse(const char *s, enum lc_result_hist *out) LC_WARN_UNUSED;

/* ---- The Result ----------------------------------------------------------- */

/* Zero r and set its kind. Allocates nothing; never fails. */
void lc_result_init(struct lc_result *r, enum lc_result_kind kind);

/* Free everything r owns and zero it (it may be initialised again). NULL is a no-op. */
void lc_result_free(struct lc_result *r);

/* Replace *dst (freed) with a malloc'd copy of src (NULL clears). Returns 0 or LC_ENOMEM. */
int lc_result_set_str(char **dst, const char *src) LC_WARN_UNUSED;

/* Replace r's command line with a copy of argv[0..argc). Returns 0, LC_ENOMEM or LC_ELIMIT. */
int lc_result_set_argv(struct lc_result *r, int argc, char *const *argv) LC_WARN_UNUSED;

/* Append a printf-formatted warning (copied). Returns 0, LC_ENOMEM or LC_ELIMIT. */
int lc_result_add_warning(struct lc_result *r, const char *fmt, ...) LC_PRINTF(2, 3) LC_WARN_UNUSED;

/*
 * Append a phase named `name` (copied), recorded, closed model, with empty
 * stats; *out points to it and stays valid until lc_result_free.
 * Returns 0, LC_ENOMEM or LC_ELIMIT (then *out is untouched).
 */
int lc_result_add_phase(struct lc_result *r, const char *name,
                        struct lc_result_phase **out) LC_WARN_UNUSED;

/*
 * The stats of request `name` in phase ph, added (empty) when absent. *out
 * stays valid until lc_result_free. Returns 0, LC_ENOMEM or LC_ELIMIT.
 */
int lc_result_phase_request(struct lc_result_phase *ph, const char *name,
                            struct lc_result_stats **out) LC_WARN_UNUSED;

/* Append a copy of *p to ph's series. Returns 0, LC_ENOMEM or LC_ELIMIT. */
int lc_result_phase_add_point(struct lc_result_phase *ph,
                              const struct lc_result_point *p) LC_WARN_UNUSED;

/* Find a phase / a request's stats by name; NULL when absent. */
struct lc_result_phase *lc_result_find_phase(const struct lc_result *r, const char *name);
struct lc_result_stats *lc_result_phase_find_request(const struct lc_result_phase *ph,
                                                     const char *name);
/*
 * The run-total stats of request `name` (r->requests), added (empty) when
 * absent; for readers and tools that build totals themselves (normally
 * lc_result_compute_totals fills them). Returns 0, LC_ENOMEM or LC_ELIMIT.
 */
int lc_result_request(struct lc_result *r, const char *name,
                      struct lc_result_stats **out) LC_WARN_UNUSED;

/* The run total's stats of one request name; NULL when absent. */
struct lc_result_stats *lc_result_find_request(const struct lc_result *r, const char *name);

/*
 * Recompute the run totals: r->total becomes the merge of the stats of every
 * recorded phase, r->requests the merge per request name (first-seen order).
 * Rates are derived from durations: each phase's stats and per-request stats
 * get rps = requests / phase duration; the totals get rps = requests / the
 * sum of recorded phase durations, and target_rps = the duration-weighted
 * mean of the recorded phases' target_rps when every recorded phase is open
 * (else 0). Returns 0 or LC_ENOMEM / LC_ELIMIT (totals then partial but valid).
 */
int lc_result_compute_totals(struct lc_result *r) LC_WARN_UNUSED;

/*
 * Append a resource series (name and unit copied; unit may be NULL); *out
 * stays valid until lc_result_free. Returns 0, LC_ENOMEM or LC_ELIMIT.
 */
int lc_result_add_resource(struct lc_result *r, const char *name, const char *unit,
                           struct lc_result_resource **out) LC_WARN_UNUSED;

/* Append one sample. Returns 0, LC_ENOMEM or LC_ELIMIT. */
int lc_result_resource_add(struct lc_result_resource *res, double t_s, double value) LC_WARN_UNUSED;

/* Find a resource series by name; NULL when absent. */
struct lc_result_resource *lc_result_find_resource(const struct lc_result *r, const char *name);

/*
 * Append a deep copy of *t (its strings are copied; NULL strings stay NULL;
 * expr is required). Returns 0, LC_EINVAL, LC_ENOMEM or LC_ELIMIT.
 */
int lc_result_add_threshold(struct lc_result *r,
                            const struct lc_result_threshold *t) LC_WARN_UNUSED;

/*
 * Append a bench command (name and command copied, both required); *out
 * stays valid until lc_result_free. Returns 0, LC_EINVAL, LC_ENOMEM or LC_ELIMIT.
 */
int lc_result_add_command(struct lc_result *r, const char *name, const char *command,
                          struct lc_result_bench_command **out) LC_WARN_UNUSED;

/* Set a parameter (copied); an existing key gets the new value. */
int lc_result_command_set_param(struct lc_result_bench_command *c, const char *key,
                                const char *value) LC_WARN_UNUSED;

/*
 * Append a copy of *run (its metrics deep-copied). When out is not NULL, *out
 * points to the stored run, valid until the next add_run on c (for
 * lc_result_run_add_metric). Returns 0, LC_ENOMEM or LC_ELIMIT.
 */
int lc_result_command_add_run(struct lc_result_bench_command *c,
                              const struct lc_result_bench_run *run,
                              struct lc_result_bench_run **out) LC_WARN_UNUSED;

/* Append a custom metric (name and unit copied; unit may be NULL). */
int lc_result_run_add_metric(struct lc_result_bench_run *run, const char *name, double value,
                             const char *unit) LC_WARN_UNUSED;

/* ---- Stats ---------------------------------------------------------------- */

/* Zero s (no histograms). Allocates nothing. */
void lc_result_stats_init(struct lc_result_stats *s);

/* Free s's histograms and error kinds and zero it. */
void lc_result_stats_free(struct lc_result_stats *s);

/*
 * Make histogram `which` present, with the default latency range (1 us .. 1 h,
 * 3 significant figures) when it is not yet (an existing one is kept as is).
 * Returns 0, LC_EINVAL (no such histogram) or LC_ENOMEM.
 */
int lc_result_stats_enable_hist(struct lc_result_stats *s,
                                enum lc_result_hist which) LC_WARN_UNUSED;

/* Count n responses with status `code` (codes outside 100..599 count at index 0). */
void lc_result_stats_add_status(struct lc_result_stats *s, int code, uint64_t n);

/*
 * Count n errors of `kind` (copied on first use): adds to the kind and to
 * s->errors. Returns 0, LC_ENOMEM or LC_ELIMIT (then nothing is counted).
 */
int lc_result_stats_add_error(struct lc_result_stats *s, const char *kind,
                              uint64_t n) LC_WARN_UNUSED;

/* The count of error kind `kind`; 0 when absent. */
uint64_t lc_result_stats_error_count(const struct lc_result_stats *s, const char *kind);

/* errors / requests; 0 when there were no requests. */
double lc_result_stats_error_rate(const struct lc_result_stats *s);

/*
 * Add src into dst: every counter adds, error kinds add by name, status codes
 * add, histograms merge (a histogram present only in src is created in dst
 * with src's layout; values clamped by the merge add to dst->clamped). Rates
 * (rps, target_rps) are left alone: they depend on the time span, which only
 * the caller knows. Returns 0, LC_ENOMEM or LC_ELIMIT (dst then partly merged).
 */
int lc_result_stats_merge(struct lc_result_stats *dst,
                          const struct lc_result_stats *src) LC_WARN_UNUSED;

#endif
