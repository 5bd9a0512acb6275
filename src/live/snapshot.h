/*
 * The live view of a run (or of `loadcell serve`): one plain struct that the
 * command line fills once per second, and its renderings — Prometheus text
 * (exposition format 0.0.4) for /metrics and JSON for the dashboard.
 *
 * The struct is fixed-size (no pointers): publishing one is a memcpy under a
 * mutex, and the HTTP thread renders from its own copy. Counters in it are
 * cumulative since the run started, so they only grow; gauges describe the
 * last interval. This module knows nothing of the load engine: the command
 * line converts what the engine reports into this struct.
 */
#ifndef LC_LIVE_SNAPSHOT_H
#define LC_LIVE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define LC_LIVE_NAME_LEN       64   /* a label value, NUL included (longer names are cut) */
#define LC_LIVE_MAX_PHASES     64   /* later phases are counted under the last one */
#define LC_LIVE_MAX_REQUESTS   32   /* later request names are counted under the last one */
#define LC_LIVE_MAX_KINDS      48   /* error kinds; later kinds are counted under the last one */
#define LC_LIVE_MAX_COUNTS     1024 /* (phase, request, status) rows */
#define LC_LIVE_MAX_ERRORS     512  /* (phase, request, kind) rows */
#define LC_LIVE_MAX_CELLS      256  /* (phase, request) rows: bytes and latency histogram */
#define LC_LIVE_BUCKETS        18   /* finite histogram bounds; +Inf is `count` */
#define LC_LIVE_HISTORY        300  /* intervals kept for the dashboard's charts (5 min) */
#define LC_LIVE_MAX_THRESHOLDS 32
#define LC_LIVE_TEXT_LEN       160 /* threshold text and detail */
#define LC_LIVE_MAX_ROUTES     65  /* serve: routes + the default behaviour */
#define LC_LIVE_MAX_STATUSES   64  /* serve: distinct statuses */
#define LC_LIVE_MAX_CHAOS      16  /* serve: chaos kinds */
#define LC_LIVE_MAX_GPUS       16  /* GPUs shown (NVML's first ones) */
#define LC_LIVE_MAX_BENCH      64  /* bench: commands x scan points shown (later ones dropped) */

/* The histogram's upper bounds in seconds, ascending: 100 us .. 60 s, 1-2.5-5 steps. */
extern const double lc_live_bucket_bounds_s[LC_LIVE_BUCKETS];

enum lc_live_state {
    LC_LIVE_STARTING = 0, /* nothing measured yet */
    LC_LIVE_RUNNING,
    LC_LIVE_STOPPING, /* a stop was asked (Ctrl-C or the dashboard); in flight may finish */
    LC_LIVE_FINISHED, /* the run has ended; the figures are final */
};

enum lc_live_verdict {
    LC_LIVE_PENDING = 0, /* not judged yet (no data, or judged only at the end) */
    LC_LIVE_PASS,
    LC_LIVE_WARN, /* holds, within 10% of its limit */
    LC_LIVE_FAIL,
};

/* A cumulative counter keyed by (phase, request, label); label is a status or a kind index. */
struct lc_live_count {
    uint16_t phase;   /* index into phases[] */
    uint16_t request; /* index into requests[] */
    uint16_t label;   /* HTTP status (0: no response) or index into kinds[] */
    uint64_t value;
};

/*
 * Per (phase, request): bytes and the latency histogram. le[i] counts the
 * responses whose latency is <= lc_live_bucket_bounds_s[i] (cumulative, as
 * Prometheus wants); count is the +Inf bucket; sum_s their total latency.
 */
struct lc_live_cell {
    uint16_t phase, request;
    uint64_t bytes_in, bytes_out;
    uint64_t le[LC_LIVE_BUCKETS];
    uint64_t count;
    double sum_s;
};

/* Latency quantiles of a window; valid is 0 when the window holds no response. */
struct lc_live_quantiles {
    int valid;
    double p50_s, p90_s, p99_s, p999_s, max_s;
};

/* One interval of the run, for the dashboard's charts. NaN where not applicable. */
struct lc_live_point {
    double t_s; /* end of the interval, seconds since the start */
    double rps, target_rps;
    double p50_s, p90_s, p99_s;
    double errors_per_s;
    double active;
    double gen_cpu_ratio;
    double target_cpu_ratio;
    double target_rss_bytes;
};

struct lc_live_threshold {
    char text[LC_LIVE_TEXT_LEN];   /* the expression as written */
    int verdict;                   /* enum lc_live_verdict */
    char detail[LC_LIVE_TEXT_LEN]; /* "p(99) = 12.3ms" or why not judged, may be "" */
};

/* `loadcell serve`'s counters (cumulative since it started, or since /stats/reset). */
struct lc_live_serve {
    uint64_t requests, errors, health_requests, stats_requests, bad_requests;
    uint64_t connections, bytes_in, bytes_out;
    uint32_t threads;
    double uptime_s;
    uint32_t n_routes;
    char routes[LC_LIVE_MAX_ROUTES][LC_LIVE_NAME_LEN];
    uint64_t by_route[LC_LIVE_MAX_ROUTES];
    uint32_t n_statuses;
    uint16_t status[LC_LIVE_MAX_STATUSES];
    uint64_t by_status[LC_LIVE_MAX_STATUSES];
    uint32_t n_chaos;
    char chaos[LC_LIVE_MAX_CHAOS][LC_LIVE_NAME_LEN];
    uint64_t by_chaos[LC_LIVE_MAX_CHAOS];
};

/* One GPU of the host (NaN where NVML gave no value). */
struct lc_live_gpu {
    uint32_t index;    /* NVML's device index */
    double util_ratio; /* share of the last sample period with a kernel running (0..1) */
    double mem_used_bytes;
    double power_watts;
    double temp_celsius;
};

/* `loadcell bench`: one command at one scan point. Times are wall times in seconds. */
struct lc_live_bench_point {
    char command[LC_LIVE_NAME_LEN]; /* the command's name (-n) or its text */
    char params[LC_LIVE_NAME_LEN];  /* "n=100, m=4", "" without --scan */
    uint64_t runs;                  /* timed runs done */
    uint64_t runs_planned;          /* timed runs planned (an estimate under a time budget) */
    uint64_t failed;                /* timed runs that exited non-zero or timed out */
    uint64_t warmup_runs;           /* warm-up runs done */
    double last_s, mean_s, median_s, min_s, max_s, sum_s; /* NaN before the first run */
};

struct lc_live_bench {
    uint32_t n_points;     /* points seen so far (at most LC_LIVE_MAX_BENCH) */
    uint32_t points_total; /* commands x grid points planned */
    uint32_t points_done;  /* points whose runs are all done */
    int has_current;       /* a point is being measured */
    uint32_t current;      /* its index into points[] */
    int current_warmup;    /* it is in its warm-up runs */
    struct lc_live_bench_point points[LC_LIVE_MAX_BENCH];
};

/*
 * Everything /metrics and the dashboard show. About 140 KiB: allocate it,
 * do not put it on a small stack. Zero it with lc_live_snapshot_init.
 */
struct lc_live_snapshot {
    char command[16]; /* "http", "run", "bench", "monitor", "serve" */
    char target[256]; /* what is loaded ("http://127.0.0.1:8080/"), may be "" */
    int state;        /* enum lc_live_state */
    int can_stop;     /* the dashboard may offer its Stop button */
    /* Live control of the running phase (POST /api/control): what may be set now, "users"
     * or "rate" ("" when nothing: no dashboard, or not a load run), and its bounds. */
    char control[8];
    double control_min, control_max;
    uint64_t seq;     /* grows with every publish */
    double elapsed_s; /* since the run started */
    double total_s;   /* planned length of the run; 0 when bounded by count only */
    double phase_elapsed_s, phase_total_s; /* the current phase (total 0: unbounded) */

    int has_load;   /* the load part below is filled */
    uint32_t phase; /* index of the current phase */
    uint32_t n_phases, n_requests, n_kinds;
    char phases[LC_LIVE_MAX_PHASES][LC_LIVE_NAME_LEN];
    char requests[LC_LIVE_MAX_REQUESTS][LC_LIVE_NAME_LEN];
    char kinds[LC_LIVE_MAX_KINDS][LC_LIVE_NAME_LEN];
    uint32_t n_counts, n_errors, n_cells;
    struct lc_live_count counts[LC_LIVE_MAX_COUNTS]; /* requests by status */
    struct lc_live_count errors[LC_LIVE_MAX_ERRORS]; /* errors by kind */
    struct lc_live_cell cells[LC_LIVE_MAX_CELLS];
    /* Added when a table above is full: rendered under phase/request "(overflow)". */
    uint64_t overflow_requests, overflow_errors;
    uint64_t requests_total, errors_total; /* sums over every row (and the overflows) */

    /* Gauges of the last interval (NaN where not applicable). */
    double interval_s;
    double achieved_rate; /* requests ended per second */
    double target_rate;   /* open model: arrivals per second asked for; NaN when closed */
    double target_users;  /* closed model: users asked for; NaN when open */
    double active_users;  /* closed model: users running; NaN when open */
    double active_connections;
    double errors_per_s;
    struct lc_live_quantiles window_1s;    /* the last interval, every request */
    struct lc_live_quantiles window_phase; /* the current phase so far */

    /* The generator's own resources, and the target's when it is monitored. */
    double gen_cpu_ratio;   /* CPU seconds per second over the last interval (1 = one core) */
    double gen_cpu_seconds; /* since the run started */
    double gen_rss_bytes;
    int has_target;
    double target_cpu_ratio, target_rss_bytes;
    double target_threads, target_fds, target_processes; /* NaN when unknown */
    /* The host and its GPUs, when a resource monitor samples them (monitor, --monitor-*). */
    int has_host;
    double host_cpu_ratio; /* share of the whole machine busy (0..1) */
    double host_mem_used_bytes, host_mem_available_bytes;
    uint32_t n_gpus;
    struct lc_live_gpu gpus[LC_LIVE_MAX_GPUS];

    uint32_t n_history; /* oldest first */
    struct lc_live_point history[LC_LIVE_HISTORY];

    uint32_t n_thresholds;
    struct lc_live_threshold thresholds[LC_LIVE_MAX_THRESHOLDS];

    int has_serve;
    struct lc_live_serve serve;

    int has_bench; /* `loadcell bench`: the part below is filled */
    struct lc_live_bench bench;
};

/* Zero s; gauges become NaN (absent) and the state STARTING. */
void lc_live_snapshot_init(struct lc_live_snapshot *s);

/*
 * Copy a label value: at most cap - 1 bytes, cut at a character boundary,
 * invalid UTF-8 bytes and control characters replaced by '?', NUL-terminated.
 * Prometheus and JSON both require valid UTF-8.
 */
void lc_live_copy_label(char *dst, size_t cap, const char *src);

/*
 * Index of a phase, request or error kind by name, added when new. When the
 * table is full the last slot is returned (its name becomes "(other)"), so
 * counts are never lost, only merged.
 */
uint32_t lc_live_phase_index(struct lc_live_snapshot *s, const char *name);
uint32_t lc_live_request_index(struct lc_live_snapshot *s, const char *name);
uint32_t lc_live_kind_index(struct lc_live_snapshot *s, const char *name);

/* Add n to requests (phase, request, status); a full table adds to overflow_requests. */
void lc_live_count_request(struct lc_live_snapshot *s, uint32_t phase, uint32_t request,
                           unsigned status, uint64_t n);

/* Add n to errors (phase, request, kind index); a full table adds to overflow_errors. */
void lc_live_count_error(struct lc_live_snapshot *s, uint32_t phase, uint32_t request,
                         uint32_t kind, uint64_t n);

/* The (phase, request) cell, added when new; NULL when the table is full. */
struct lc_live_cell *lc_live_cell_get(struct lc_live_snapshot *s, uint32_t phase, uint32_t request);

/*
 * Record n latencies of value_ns into the cell's histogram: every bucket
 * whose bound is >= the value grows by n, as do count and sum_s.
 * Negative values count as 0.
 */
void lc_live_cell_record_ns(struct lc_live_cell *c, int64_t value_ns, uint64_t n);

/*
 * Record n latencies known only to lie in a histogram bucket (an HDR bucket
 * of 0.1% width): they count in every bucket whose bound is >= lowest_ns (so
 * a value exactly on a bound counts under it, as `le` means), and add
 * n * mid_ns to sum_s.
 */
void lc_live_cell_record_bucket_ns(struct lc_live_cell *c, int64_t lowest_ns, int64_t mid_ns,
                                   uint64_t n);

/* Append an interval to the history, dropping the oldest when full. */
void lc_live_history_push(struct lc_live_snapshot *s, const struct lc_live_point *p);

/*
 * The Prometheus text (exposition format 0.0.4) of s. Returns a malloc'd,
 * NUL-terminated string owned by the caller (*len its length without the
 * NUL), or NULL when out of memory.
 */
char *lc_live_render_prometheus(const struct lc_live_snapshot *s, size_t *len);

/*
 * The JSON object the dashboard reads (GET /api/snapshot). Returns a malloc'd
 * string owned by the caller (free()), or NULL when out of memory.
 */
char *lc_live_render_json(const struct lc_live_snapshot *s, size_t *len);

/* "starting", "running", "stopping", "finished". */
const char *lc_live_state_name(int state);

/* "pending", "pass", "warn", "fail". */
const char *lc_live_verdict_name(int verdict);

#endif
