/* Scenario files (format version 1, docs/scenarios.md): YAML to plain immutable structs. */
#ifndef LC_CONFIG_SCENARIO_H
#define LC_CONFIG_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/error.h"

#define LC_SCENARIO_VERSION                  1
#define LC_SCENARIO_MAX_NAME                 64 /* bytes of a scenario, request or benchmark name, NUL included */
#define LC_SCENARIO_MAX_STATUS               8 /* statuses of one `expect: {status: [...]}` */
#define LC_SCENARIO_MAX_FILE_BYTES           (16u << 20) /* a scenario file */
#define LC_SCENARIO_MAX_BODY_BYTES           (64u << 20) /* a body_file */
#define LC_SCENARIO_MAX_USERS                1000000
#define LC_SCENARIO_MAX_RATE                 10000000.0 /* requests per second */
#define LC_SCENARIO_MAX_CONNECTIONS          1000000
#define LC_SCENARIO_DEFAULT_OPEN_CONNECTIONS 100            /* open model, as `loadcell http -R` */
#define LC_SCENARIO_DEFAULT_TIMEOUT_NS       10000000000ULL /* 10 s */
#define LC_SCENARIO_DEFAULT_INTERVAL_NS      1000000000ULL  /* monitor sampling, 1 s */
#define LC_SCENARIO_DEFAULT_READY_TIMEOUT_NS 60000000000ULL /* monitor ready wait, 60 s */
/* An abort threshold is first judged this long after the run's start (docs/scenarios.md). */
#define LC_SCENARIO_DEFAULT_ABORT_AFTER_NS 2000000000ULL /* 2 s */

/*
 * Where something was written: a file position (1-based line and column), or
 * for a value given by `--set`, file is "--set PATH=VALUE" and line == col == 0.
 * file points into the lc_scenario (or is a static string) and lives as long as it.
 */
struct lc_scenario_loc {
    const char *file;
    unsigned line;
    unsigned col;
};

/* An expression kept as text for results/threshold.h (validated at load time). */
struct lc_scenario_expr {
    const char *text;           /* as written; NULL for an absent stop_when */
    bool abort;                 /* thresholds: stop the run as soon as it fails */
    uint64_t abort_after_ns;    /* with abort: judged from this long after the run's start */
    bool skipped;               /* it scopes a scenario left out by --only (it cannot be judged) */
    struct lc_scenario_loc loc; /* of the expression's first character */
};

struct lc_scenario_header {
    const char *name;
    const char *value;
};

struct lc_scenario_request {
    const char *name;   /* unique among requests */
    double weight;      /* relative share of the mix, >= 0 (0: never picked); the sum is > 0 */
    const char *method; /* an HTTP token; GET, or POST when there is a body */
    const char *path;   /* as written, starts with '/' ("/" by default) */
    const char *target; /* what goes on the request line: the target URL's path joined with path */
    /* defaults.headers, then the request's own (a same name, any case, replaces the default) */
    const struct lc_scenario_header *headers;
    size_t n_headers;
    const char *body;      /* bytes to send (from body or body_file), NULL when none */
    size_t body_len;       /* bytes of body (it may hold NULs when read from a file) */
    const char *body_file; /* the path as written, NULL when the body was inline or absent */
    int expect_status[LC_SCENARIO_MAX_STATUS]; /* accepted statuses; none: any */
    size_t n_expect_status;
    const char *expect_body_contains; /* NULL: no check */
    struct lc_scenario_loc loc;
};

enum lc_scenario_model {
    LC_SCENARIO_CLOSED, /* levels are users: each loops send, await, think */
    LC_SCENARIO_OPEN    /* levels are arrival rates in requests per second */
};

enum lc_scenario_stage_kind {
    LC_SCENARIO_RAMP, /* linear from `from` to `target` over the stage */
    LC_SCENARIO_HOLD  /* `target` all along (from == target: a step when the level before differed)
                       */
};

/* One linear piece of a phase's level (users or requests/s). */
struct lc_scenario_stage {
    enum lc_scenario_stage_kind kind;
    double from;          /* level at the stage's start: the previous stage's target, 0 first */
    double target;        /* level at its end */
    uint64_t duration_ns; /* > 0 */
    struct lc_scenario_loc loc;
};

/*
 * One entry of `scenarios:`, a phase of the run. Phases run back to back in
 * the order written. Levels are piecewise linear over the stages; a
 * `{users, duration}` or `{rate, duration}` phase is one HOLD stage, a
 * `{rate: LO..HI, over}` phase one RAMP stage from LO.
 */
struct lc_scenario_phase {
    const char *name;
    enum lc_scenario_model model;
    bool record; /* false: a warm-up, excluded from the totals */
    const struct lc_scenario_stage *stages;
    size_t n_stages;          /* >= 1 */
    uint64_t duration_ns;     /* sum of the stages, > 0 */
    uint64_t start_offset_ns; /* sum of the phases before it (after --only) */
    double peak;              /* highest level of any stage, > 0 */
    uint32_t connections;     /* closed: ceil(peak) users; open: max_connections (default 100) */
    uint64_t think_min_ns;    /* closed: pause between a user's requests (phase, else defaults) */
    uint64_t think_max_ns;    /* think_min_ns == think_max_ns: fixed; 0: no pause */
    uint64_t timeout_ns;      /* per request (phase, else defaults, else 10 s) */
    /* When it holds the phase ends early (a breakpoint search): text NULL when none. */
    struct lc_scenario_expr stop_when;
    struct lc_scenario_loc loc;
};

enum lc_scenario_gpu {
    LC_SCENARIO_GPU_AUTO,     /* sample GPUs when NVML is present */
    LC_SCENARIO_GPU_REQUIRED, /* fail the run when no GPU can be sampled */
    LC_SCENARIO_GPU_OFF
};

/* `monitor:` - the system under test. present is false when the file has none. */
struct lc_scenario_monitor {
    bool present;
    int64_t pid;         /* > 0 when watching an existing process, else 0 */
    const char *command; /* started through the shell and watched, NULL when pid is used */
    const char *ready;   /* http(s) URL polled until it answers 2xx, NULL: no wait */
    uint64_t ready_timeout_ns;
    uint64_t interval_ns; /* sampling period, > 0 */
    enum lc_scenario_gpu gpu;
    struct lc_scenario_loc loc;
};

/*
 * A scanned parameter of a benchmark: either a list of values (values,
 * n_values) or a range spec for bench/scan.h (spec, "100..10000:x10").
 */
struct lc_scenario_scan {
    const char *name;
    const char *const *values; /* NULL when spec is set */
    size_t n_values;
    const char *spec; /* NULL when values is set */
};

/* `benchmarks:` entries, kept as data for the bench runner. */
struct lc_scenario_benchmark {
    const char *name;    /* unique among benchmarks */
    const char *command; /* a template: {param} takes each scanned value */
    const struct lc_scenario_scan *scans;
    size_t n_scans;
    uint64_t runs;        /* timed runs; 0: the bench runner's default budget */
    uint64_t warmup;      /* untimed runs first */
    const char *prepare;  /* NULL when none */
    const char *artifact; /* NULL when none */
    struct lc_scenario_loc loc;
};

/* `output:` templates ({name}, {timestamp}); NULL when not given. */
struct lc_scenario_output {
    const char *json;
    const char *html;
    const char *csv;
    const char *markdown;
};

/* `tls:` - client TLS for an https:// target. present is false when the file has none. */
struct lc_scenario_tls {
    bool present;
    bool insecure; /* skip certificate verification */
    const char
        *cacert;      /* PEM CA file (resolved against the file's directory), NULL: system store */
    const char *cert; /* PEM client certificate, with key; NULL: none */
    const char *key;
    int min_version; /* 12 or 13 (net/tls_client.h enum lc_tls_version); 0: default 1.2 */
    struct lc_scenario_loc loc;
};

struct lc_scenario_arena;

/*
 * A loaded scenario file. Immutable once loaded; every pointer is owned by
 * the struct (its arena) and valid until lc_scenario_free.
 */
struct lc_scenario {
    const char *file;   /* the name used in messages */
    const char *dir;    /* the directory relative paths start from ("." or NULL from a string) */
    int version;        /* 1 */
    const char *name;   /* `name:`, else the file name without its directory and extension */
    const char *target; /* base URL (http:// or https:// with a host); NULL when no scenarios */
    /* defaults: */
    const struct lc_scenario_header *default_headers;
    size_t n_default_headers;
    uint64_t timeout_ns;
    uint64_t think_min_ns, think_max_ns;
    const struct lc_scenario_request *requests;
    size_t n_requests;
    const struct lc_scenario_phase *phases; /* the kept scenarios, in order */
    size_t n_phases;
    const struct lc_scenario_expr *thresholds;
    size_t n_thresholds;
    struct lc_scenario_monitor monitor;
    const struct lc_scenario_benchmark *benchmarks; /* the kept ones */
    size_t n_benchmarks;
    struct lc_scenario_output output;
    struct lc_scenario_tls tls;
    const char *const *skipped; /* scenario and benchmark names left out by --only */
    size_t n_skipped;
    struct lc_scenario_arena *arena; /* private: owns everything above */
};

/*
 * How to load. sets: "PATH=VALUE" overrides applied to the YAML tree before
 * it is read (docs/scenarios.md, "Overrides"): PATH is dot-separated keys,
 * a list item by index ("requests.0.weight") or by its name
 * ("requests.query.weight"); VALUE is text, or a YAML flow list or map when
 * it starts with '[' or '{'. An absent key is created when its parent map
 * allows it. only: keep these scenarios and benchmarks (each must exist).
 */
struct lc_scenario_options {
    const char *const *sets;
    size_t n_sets;
    const char *const *only;
    size_t n_only;
};

/*
 * Load the scenario file at `path` (read whole, at most
 * LC_SCENARIO_MAX_FILE_BYTES). opt may be NULL. On success *out is a new
 * scenario the caller frees with lc_scenario_free. Returns 0, or:
 * LC_ECONFIG with err's file, line and column on what is wrong and a message
 * that says how to fix it (the caller exits 2; a value from --set is located
 * as file "--set PATH=VALUE", line 0), also when the file cannot be read
 * (err->sys_errno says why); LC_ENOMEM. *out is NULL on failure.
 */
int lc_scenario_load_file(const char *path, const struct lc_scenario_options *opt,
                          struct lc_scenario **out, struct lc_error *err) LC_WARN_UNUSED;

/*
 * As lc_scenario_load_file, from memory: text[0..len) (no NUL needed), named
 * `name` in messages (NULL: "<string>"). body_file paths are read relative to
 * dir; dir NULL forbids body_file (a config error), so untrusted text reads
 * no files.
 */
int lc_scenario_load_string(const char *text, size_t len, const char *name, const char *dir,
                            const struct lc_scenario_options *opt, struct lc_scenario **out,
                            struct lc_error *err) LC_WARN_UNUSED;

/* Free a scenario. NULL is a no-op. */
void lc_scenario_free(struct lc_scenario *s);

/* The phases to run, in order (the same array as s->phases); *n receives their count. */
const struct lc_scenario_phase *lc_scenario_phases(const struct lc_scenario *s, size_t *n);

/* Planned length of the whole run: the sum of the phases' durations. */
uint64_t lc_scenario_duration_ns(const struct lc_scenario *s);

/*
 * The level (users or requests/s) at t_ns into the phase, linear within each
 * stage: at a stage's start its `from`, at its end its `target`. Before the
 * first stage's end the first stage decides; at or after the phase's end, the
 * last target. Never negative.
 */
double lc_scenario_level_at(const struct lc_scenario_phase *ph, uint64_t t_ns);

/*
 * An output template with "{name}" replaced by name and "{timestamp}" by the
 * UTC time `when` as YYYYMMDDTHHMMSSZ ("20250301T142500Z", sortable and safe in
 * file names); other text is kept. Returns a malloc'd string the caller
 * frees, or NULL when tmpl is NULL or memory runs out.
 */
char *lc_scenario_expand_output(const char *tmpl, const char *name, time_t when);

#endif
