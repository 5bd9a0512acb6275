/* Run history: every Result recorded in an SQLite database, listed, marked and fetched back. */
#ifndef LC_RESULTS_HISTORY_H
#define LC_RESULTS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "results/result.h"

/*
 * The database holds one row per recorded run: its key figures in columns
 * (for listing and for choosing "best") and the full Result JSON text (so
 * any past run can be loaded again, e.g. by `compare --baseline`). The schema
 * is versioned with PRAGMA user_version (LC_HISTORY_SCHEMA_VERSION); a file
 * written by a newer loadcell is refused, never changed.
 *
 * Concurrency: the database runs in WAL mode with a busy timeout
 * (LC_HISTORY_BUSY_TIMEOUT_MS), and every write is one IMMEDIATE
 * transaction, so several loadcell processes may record at the same time.
 * One struct lc_history is used by one thread at a time.
 *
 * The run's history name (the `name` column, what `loadcell history NAME`
 * and the `name` argument below match): r->name, except for `loadcell http`
 * results (whose r->name is always "http"), where it is the target URL.
 *
 * The family of a run says what its figures measure: LOAD for http runs and
 * scenario runs with load phases (requests: rps, latency), BENCH for bench
 * runs and scenario runs that only ran benchmarks (the first command's wall
 * times), NONE for monitor runs. The key figure (what "best" minimises) is
 * the total p99 latency for LOAD, the first command's mean wall time for
 * BENCH; NONE has none.
 *
 * Errors: functions return 0 or a negative LC_E* code with a one-line
 * message in err. A file that is not an SQLite database, or a damaged one,
 * gives LC_EFORMAT with a message naming the path and the fix (move it away).
 */

#define LC_HISTORY_DEFAULT_PATH    ".loadcell/history.db"
#define LC_HISTORY_SCHEMA_VERSION  2
#define LC_HISTORY_BUSY_TIMEOUT_MS 10000

struct lc_history; /* opaque: an open database */

/* What a run's figures measure (see above). */
enum lc_history_family {
    LC_HISTORY_FAMILY_NONE,
    LC_HISTORY_FAMILY_LOAD,
    LC_HISTORY_FAMILY_BENCH,
};

/* The key figures of one recorded run (a row without its JSON). */
struct lc_history_entry {
    int64_t id;             /* row id, increasing in recording order */
    uint64_t start_wall_ns; /* the run's start, ns since the Unix epoch */
    enum lc_result_kind kind;
    enum lc_history_family family;
    char *name;          /* the history name (see above); never NULL */
    char *target;        /* target URL (load runs) or first command (bench); NULL when none */
    uint64_t requests;   /* load: requests in the totals; bench: timed runs of all commands */
    uint64_t errors;     /* load: failed requests; bench: runs with a non-zero exit */
    double rps;          /* load: requests per second; 0 otherwise */
    int64_t p99_ns;      /* load: total latency p99; bench: first command's wall p99; -1: none */
    int64_t mean_ns;     /* load: total latency mean; bench: first command's mean wall; -1: none */
    int64_t figure_ns;   /* the key figure: p99_ns (load) or mean_ns (bench); -1: none */
    const char *verdict; /* "pass", "warn", "fail" (worst threshold) or "none"; static string */
    bool partial;        /* the run was interrupted or stopped early */
    bool baseline;       /* marked with lc_history_set_baseline */
};

/* What lc_history_list returns. Zero it for "every run". */
struct lc_history_filter {
    const char *name; /* exact history name; NULL: any */
    bool has_kind;    /* when true, only runs of `kind` */
    enum lc_result_kind kind;
    size_t limit; /* the latest `limit` runs; 0: all */
};

/* The default database path, relative to the working directory (".loadcell/history.db"). */
const char *lc_history_default_path(void);

/* The version of the SQLite library this binary runs with, for `loadcell version`. */
const char *lc_history_library_version(void);

/*
 * Open the database at `path` into *out (free with lc_history_close). With
 * `create`, missing parent folders and the file itself are made; without it,
 * a missing file is LC_EIO ("no run history at PATH"). Either way an empty
 * database gets the schema and an older schema is upgraded in place. Returns 0, LC_EINVAL (empty
 * path), LC_EIO, LC_ESYS (cannot create a folder), LC_ENOMEM or LC_EFORMAT (not a database,
 * damaged, or written by a newer loadcell). *out is NULL on failure.
 */
int lc_history_open(const char *path, bool create, struct lc_history **out,
                    struct lc_error *err) LC_WARN_UNUSED;

/* Close the database and free h. NULL is a no-op. */
void lc_history_close(struct lc_history *h);

/* The path h was opened with (owned by h). */
const char *lc_history_path(const struct lc_history *h);

/*
 * Record r: its key figures and its JSON. `json` is r serialised by
 * lc_result_to_json_string (json_len bytes, not necessarily NUL-terminated);
 * NULL: serialised here. *id_out (may be NULL) gets the new row id.
 * Returns 0, LC_ENOMEM, LC_EIO or LC_EFORMAT.
 */
int lc_history_record(struct lc_history *h, const struct lc_result *r, const char *json,
                      size_t json_len, int64_t *id_out, struct lc_error *err) LC_WARN_UNUSED;

/*
 * List the runs that match f (NULL: all) oldest first; with f->limit, the
 * latest f->limit of them (still oldest first). *out is a malloc'd array of
 * *n_out entries owned by the caller (free with lc_history_entries_free); it
 * is NULL when nothing matched. Returns 0, LC_ENOMEM, LC_EIO or LC_EFORMAT.
 */
int lc_history_list(struct lc_history *h, const struct lc_history_filter *f,
                    struct lc_history_entry **out, size_t *n_out,
                    struct lc_error *err) LC_WARN_UNUSED;

/* Free an array returned by lc_history_list (its strings too). NULL is a no-op. */
void lc_history_entries_free(struct lc_history_entry *e, size_t n);

/*
 * Mark run `id` as the baseline of its history name; the mark moves off any
 * other run of that name. Returns 0, LC_EINVAL (no run `id`; the message
 * says so), LC_EIO or LC_EFORMAT. *name_out (may be NULL) gets a malloc'd
 * copy of the run's name, owned by the caller.
 */
int lc_history_set_baseline(struct lc_history *h, int64_t id, char **name_out,
                            struct lc_error *err) LC_WARN_UNUSED;

/*
 * Remove the baseline mark of history name `name`. Returns 0 (also when none
 * was set), LC_EIO or LC_EFORMAT. *cleared_out (may be NULL) gets whether a
 * mark was removed.
 */
int lc_history_clear_baseline(struct lc_history *h, const char *name, bool *cleared_out,
                              struct lc_error *err) LC_WARN_UNUSED;

/*
 * Fetch the Result JSON of one recorded run chosen by `selector`:
 *   "last"  the latest run named `name` (NULL: the latest run of any name);
 *   "best"  among the runs named `name` (NULL: any name) of the family of
 *           the latest of them: the marked baseline (the latest mark, when
 *           name is NULL), else the run with the lowest key figure (p99 for
 *           load, mean for bench; runs without one and partial runs are
 *           skipped; ties: the later run);
 *   a decimal id, e.g. "42": that run (name is ignored).
 * "last" and "best" never choose a run that started at skip_start_wall_ns (pass
 * the new run's start, which may have been recorded already, so that it is not
 * compared with itself; 0: skip nothing).
 * *json_out gets the malloc'd, NUL-terminated JSON text (caller frees),
 * *len_out (may be NULL) its length, *id_out (may be NULL) the run's id.
 * Returns 0, LC_EINVAL (a selector that is none of these, or no run
 * matches: the message names the selector, the name and the path),
 * LC_ENOMEM, LC_EIO or LC_EFORMAT.
 */
int lc_history_fetch(struct lc_history *h, const char *selector, const char *name,
                     int64_t skip_start_wall_ns, char **json_out, size_t *len_out, int64_t *id_out,
                     struct lc_error *err) LC_WARN_UNUSED;

/*
 * The history name of r (see above): a pointer into r (or a static string
 * "unnamed" when r has no name), valid while r is.
 */
const char *lc_history_name_of(const struct lc_result *r);

#endif
