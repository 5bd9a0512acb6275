/* Run history in SQLite: record Results with their key figures, list them, mark baselines. */
#include "results/history.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/hdr.h"
#include "results/result_json.h"

struct lc_history {
    sqlite3 *db;
    char *path;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " recorded_wall_ns INTEGER NOT NULL,"
    " start_wall_ns INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " family TEXT NOT NULL," /* what the figures measure: load, bench or none */
    " name TEXT NOT NULL,"
    " target TEXT,"
    " requests INTEGER NOT NULL,"
    " errors INTEGER NOT NULL,"
    " rps REAL NOT NULL,"
    " p99_ns INTEGER,"
    " mean_ns INTEGER,"
    " figure_ns INTEGER," /* what "best" minimises: p99 (load) or mean (bench); NULL: none */
    " verdict TEXT NOT NULL,"
    " partial INTEGER NOT NULL,"
    " baseline INTEGER NOT NULL DEFAULT 0,"
    " result_json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS runs_by_name ON runs(name, id);";

const char *lc_history_default_path(void)
{
    return LC_HISTORY_DEFAULT_PATH;
}

const char *lc_history_path(const struct lc_history *h)
{
    return h->path;
}

/* Map an SQLite failure to an LC_E code with a one-line message naming the path. */
static int db_fail(const char *path, sqlite3 *db, int src, const char *what, struct lc_error *err)
{
    const char *detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(src);
    switch (src & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return lc_error_set(err, LC_EFORMAT,
                            "history database '%s' is damaged or not a database (%s); move it "
                            "away (mv '%s' '%s.bad') and the next run starts a new one, or pass "
                            "--no-history",
                            path, detail, path, path);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return lc_error_set(err, LC_EIO,
                            "history database '%s' stayed locked by another process for %d s "
                            "(%s); try again",
                            path, LC_HISTORY_BUSY_TIMEOUT_MS / 1000, what);
    case SQLITE_NOMEM:
        return lc_error_set(err, LC_ENOMEM, "out of memory (%s of history '%s')", what, path);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return lc_error_set(err, LC_EIO, "cannot %s history database '%s': %s", what, path, detail);
    default:
        return lc_error_set(err, LC_EIO, "history database '%s': %s failed: %s", path, what,
                            detail);
    }
}

/* mkdir -p of the folder above path. 0 or LC_ESYS. */
static int make_parents(const char *path, struct lc_error *err)
{
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return lc_error_set(err, LC_EINVAL, "history path too long: '%.200s...'", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (!end && *p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return lc_error_sys(err, errno, "cannot create the folder '%s' for the history: %s",
                                dir, strerror(errno));
        if (end)
            break;
        *p = '/';
    }
    return 0;
}

/* Run one or more statements without results. 0 or an LC_E code. */
static int exec(struct lc_history *h, const char *sql, const char *what, struct lc_error *err)
{
    int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(h->path, h->db, rc, what, err);
}

/* Prepare sql into *st. 0 or an LC_E code. */
static int prepare(struct lc_history *h, const char *sql, sqlite3_stmt **st, const char *what,
                   struct lc_error *err)
{
    int rc = sqlite3_prepare_v2(h->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(h->path, h->db, rc, what, err);
}

/* The single integer a query such as "PRAGMA user_version" returns. */
static int query_int(struct lc_history *h, const char *sql, int64_t *out, struct lc_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(h, sql, &st, "read", err);
    if (rc != 0)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (s == SQLITE_DONE)
        *out = 0;
    else
        rc = db_fail(h->path, h->db, s, "read", err);
    sqlite3_finalize(st);
    return rc;
}

/* Switch to WAL once (it is persistent); retry while another process holds the file. */
static int enable_wal(struct lc_history *h, struct lc_error *err)
{
    for (int tries = 0;; tries++) {
        sqlite3_stmt *st = NULL;
        int rc = prepare(h, "PRAGMA journal_mode", &st, "read", err);
        if (rc != 0)
            return rc;
        int s = sqlite3_step(st);
        bool wal = s == SQLITE_ROW &&
                   sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
        if (s != SQLITE_ROW && s != SQLITE_BUSY)
            return db_fail(h->path, h->db, s, "read", err);
        if (wal)
            return 0;
        s = sqlite3_exec(h->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (s == SQLITE_OK)
            continue; /* re-read: the mode may not have changed */
        if ((s & 0xff) != SQLITE_BUSY || tries >= LC_HISTORY_BUSY_TIMEOUT_MS / 10)
            return db_fail(h->path, h->db, s, "set up", err);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/*
 * Version 1 (before loadcell recorded a run's family) to 2: add the column and
 * derive it from the kind and the stored figures.
 */
static const char upgrade_1_to_2_sql[] =
    "ALTER TABLE runs ADD COLUMN family TEXT NOT NULL DEFAULT 'none';"
    "UPDATE runs SET family = CASE WHEN kind = 'http' OR (kind = 'run' AND "
    "(p99_ns IS NOT NULL OR requests > 0)) THEN 'load' WHEN kind IN ('bench', 'run') "
    "THEN 'bench' ELSE 'none' END;";

/*
 * Create the schema when the file is new (or empty), upgrade an older one;
 * refuse a newer schema or another application's database. Changes happen in
 * one IMMEDIATE transaction, so concurrent openers create or upgrade once.
 */
static int ensure_schema(struct lc_history *h, struct lc_error *err)
{
    int64_t version = 0;
    int rc = query_int(h, "PRAGMA user_version", &version, err);
    if (rc != 0)
        return rc;
    if (version == LC_HISTORY_SCHEMA_VERSION)
        return 0;
    bool began = version < LC_HISTORY_SCHEMA_VERSION;
    if (began) {
        rc = exec(h, "BEGIN IMMEDIATE", "lock", err);
        if (rc != 0)
            return rc;
        rc = query_int(h, "PRAGMA user_version", &version, err); /* another opener may have won */
    }
    if (rc == 0 && version == 0) {
        int64_t foreign = 0;
        rc = query_int(h,
                       "SELECT count(*) FROM sqlite_master WHERE name NOT IN "
                       "('runs', 'runs_by_name', 'sqlite_sequence')",
                       &foreign, err);
        if (rc == 0 && foreign > 0)
            rc = lc_error_set(err, LC_EFORMAT,
                              "'%s' is an SQLite database but not a loadcell history; pass "
                              "--history with another path",
                              h->path);
        else if (rc == 0)
            rc = exec(h, schema_sql, "create", err);
    } else if (rc == 0 && version == 1) {
        rc = exec(h, upgrade_1_to_2_sql, "upgrade", err);
    } else if (rc == 0 && version > LC_HISTORY_SCHEMA_VERSION) {
        rc = lc_error_set(err, LC_EFORMAT,
                          "history database '%s' has schema version %lld, written by a newer "
                          "loadcell (this one reads version %d); upgrade loadcell or pass "
                          "--history with another path",
                          h->path, (long long)version, LC_HISTORY_SCHEMA_VERSION);
    }
    if (rc == 0 && version < LC_HISTORY_SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", LC_HISTORY_SCHEMA_VERSION);
        rc = exec(h, sql, "create", err);
    }
    if (rc == 0 && began) /* also when another opener created it meanwhile: end our transaction */
        rc = exec(h, "COMMIT", "create", err);
    if (rc != 0 && !sqlite3_get_autocommit(h->db))
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int lc_history_open(const char *path, bool create, struct lc_history **out, struct lc_error *err)
{
    *out = NULL;
    if (!path || !path[0])
        return lc_error_set(err, LC_EINVAL, "empty history path (give --history PATH)");
    struct stat sb;
    if (!create && stat(path, &sb) != 0)
        return lc_error_set(err, LC_EIO,
                            "no run history at '%s' (http, run, bench and monitor record "
                            "there; or pass --history PATH)",
                            path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return lc_error_set(err, LC_EIO, "history path '%s' is a folder; give a file path", path);
    if (create) {
        int rc = make_parents(path, err);
        if (rc != 0)
            return rc;
    }
    struct lc_history *h = calloc(1, sizeof(*h));
    if (!h || !(h->path = strdup(path))) {
        free(h);
        return lc_error_set(err, LC_ENOMEM, "out of memory opening history '%s'", path);
    }
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int s = sqlite3_open_v2(path, &h->db, flags, NULL);
    int rc = 0;
    if (s != SQLITE_OK) {
        rc = db_fail(path, h->db, s, "open", err);
        goto fail;
    }
    sqlite3_extended_result_codes(h->db, 1);
    sqlite3_busy_timeout(h->db, LC_HISTORY_BUSY_TIMEOUT_MS);
    rc = enable_wal(h, err);
    if (rc == 0)
        rc = exec(h, "PRAGMA synchronous=NORMAL", "set up", err);
    if (rc == 0)
        rc = ensure_schema(h, err);
    if (rc == 0 && !sqlite3_get_autocommit(h->db)) /* a write would never be committed */
        rc = lc_error_set(err, LC_EIO, "history database '%s': set-up left a transaction open",
                          path);
    if (rc != 0)
        goto fail;
    *out = h;
    return 0;
fail:
    lc_history_close(h);
    return rc;
}

void lc_history_close(struct lc_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db); /* NULL-safe; every statement is finalised by now */
    free(h->path);
    free(h);
}

const char *lc_history_name_of(const struct lc_result *r)
{
    const char *url = r->has_load ? r->load.target_url : NULL;
    if (r->kind == LC_RESULT_KIND_HTTP && url)
        return url;
    if (r->name && r->name[0])
        return r->name;
    if (url)
        return url;
    return "unnamed";
}

/* The key figures of r, as stored in the columns. */
struct figures {
    const char *family;
    const char *target;
    int64_t requests, errors;
    double rps;
    int64_t p99_ns, mean_ns, figure_ns; /* -1: none */
    const char *verdict;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t clamp_i64(double v)
{
    if (!(v >= 0))
        return 0;
    return v >= (double)INT64_MAX ? INT64_MAX : (int64_t)llround(v);
}

/* Fill f from r. LC_ENOMEM when sorting the bench wall times needs memory it cannot get. */
static int compute_figures(const struct lc_result *r, struct figures *f)
{
    *f = (struct figures){
        .family = "none", .p99_ns = -1, .mean_ns = -1, .figure_ns = -1, .verdict = "none"};
    for (size_t i = 0; i < r->n_thresholds; i++) {
        enum lc_result_verdict v = r->thresholds[i].verdict;
        if (v == LC_RESULT_VERDICT_FAIL)
            f->verdict = "fail";
        else if (v == LC_RESULT_VERDICT_WARN && strcmp(f->verdict, "fail") != 0)
            f->verdict = "warn";
        else if (strcmp(f->verdict, "none") == 0)
            f->verdict = "pass";
    }
    bool load = (r->kind == LC_RESULT_KIND_HTTP || r->kind == LC_RESULT_KIND_RUN) &&
                (r->n_phases > 0 || r->n_commands == 0);
    if (load) {
        f->family = "load";
        f->target = r->has_load ? r->load.target_url : NULL;
        f->requests = (int64_t)(r->total.requests & INT64_MAX);
        f->errors = (int64_t)(r->total.errors & INT64_MAX);
        f->rps = isfinite(r->total.rps) ? r->total.rps : 0;
        const struct lc_hdr *lat = &r->total.hist[LC_HIST_LATENCY];
        if (r->total.has_hist[LC_HIST_LATENCY] && lat->total_count > 0) {
            f->p99_ns = lc_hdr_value_at_percentile(lat, 99.0);
            f->mean_ns = clamp_i64(lc_hdr_mean(lat));
            f->figure_ns = f->p99_ns;
        }
    } else if (r->kind != LC_RESULT_KIND_MONITOR) { /* bench, or a scenario of benchmarks only */
        f->family = "bench";
        for (size_t c = 0; c < r->n_commands; c++) {
            f->requests += (int64_t)r->commands[c]->n_runs;
            for (size_t i = 0; i < r->commands[c]->n_runs; i++)
                f->errors += r->commands[c]->runs[i].exit_code != 0;
        }
        const struct lc_result_bench_command *c = r->n_commands ? r->commands[0] : NULL;
        if (c) {
            f->target = c->command;
        }
        if (c && c->n_runs > 0) {
            uint64_t *w = malloc(c->n_runs * sizeof(*w));
            if (!w)
                return LC_ENOMEM;
            double sum = 0;
            for (size_t i = 0; i < c->n_runs; i++) {
                w[i] = c->runs[i].wall_ns;
                sum += (double)w[i];
            }
            qsort(w, c->n_runs, sizeof(*w), cmp_u64);
            size_t rank = (size_t)ceil(0.99 * (double)c->n_runs); /* nearest rank, >= 1 */
            f->p99_ns = clamp_i64((double)w[rank - 1]);
            f->mean_ns = clamp_i64(sum / (double)c->n_runs);
            f->figure_ns = f->mean_ns;
            free(w);
        }
    }
    return 0;
}

/* Bind an int64 that may be "none" (-1) as NULL. */
static int bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
    return v < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

int lc_history_record(struct lc_history *h, const struct lc_result *r, const char *json,
                      size_t json_len, int64_t *id_out, struct lc_error *err)
{
    char *own = NULL;
    sqlite3_stmt *st = NULL;
    struct figures f;
    int rc = compute_figures(r, &f);
    if (rc != 0) {
        lc_error_set(err, rc, "out of memory recording the run in history '%s'", h->path);
        goto done;
    }
    if (!json) {
        rc = lc_result_to_json_string(r, &own, err);
        if (rc != 0)
            goto done;
        json = own;
        json_len = strlen(own);
    }
    if (json_len > INT_MAX) {
        rc = lc_error_set(err, LC_ELIMIT, "result too large (%zu bytes) for history '%s'", json_len,
                          h->path);
        goto done;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    rc = prepare(h,
                 "INSERT INTO runs (recorded_wall_ns, start_wall_ns, kind, name, target, "
                 "requests, errors, rps, p99_ns, mean_ns, figure_ns, verdict, partial, "
                 "result_json, family) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                 "?12, ?13, ?14, ?15)",
                 &st, "write", err);
    if (rc != 0)
        goto done;
    int s = sqlite3_bind_int64(st, 1, now_ns);
    s = s ? s : sqlite3_bind_int64(st, 2, (int64_t)(r->start_wall_ns & INT64_MAX));
    s = s ? s : sqlite3_bind_text(st, 3, lc_result_kind_name(r->kind), -1, SQLITE_STATIC);
    s = s ? s : sqlite3_bind_text(st, 4, lc_history_name_of(r), -1, SQLITE_TRANSIENT);
    s = s ? s
          : (f.target ? sqlite3_bind_text(st, 5, f.target, -1, SQLITE_TRANSIENT)
                      : sqlite3_bind_null(st, 5));
    s = s ? s : sqlite3_bind_int64(st, 6, f.requests);
    s = s ? s : sqlite3_bind_int64(st, 7, f.errors);
    s = s ? s : sqlite3_bind_double(st, 8, f.rps);
    s = s ? s : bind_opt(st, 9, f.p99_ns);
    s = s ? s : bind_opt(st, 10, f.mean_ns);
    s = s ? s : bind_opt(st, 11, f.figure_ns);
    s = s ? s : sqlite3_bind_text(st, 12, f.verdict, -1, SQLITE_STATIC);
    s = s ? s : sqlite3_bind_int(st, 13, r->partial || r->stop_reason != NULL);
    s = s ? s : sqlite3_bind_text(st, 14, json, (int)json_len, SQLITE_STATIC);
    s = s ? s : sqlite3_bind_text(st, 15, f.family, -1, SQLITE_STATIC);
    if (s == SQLITE_OK)
        s = sqlite3_step(st);
    if (s != SQLITE_DONE) {
        rc = db_fail(h->path, h->db, s, "write", err);
        goto done;
    }
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(h->db);
done:
    sqlite3_finalize(st);
    free(own);
    return rc;
}

void lc_history_entries_free(struct lc_history_entry *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].target);
    }
    free(e);
}

/* A copy of column i as a malloc'd string; NULL for SQL NULL. *oom set on failure. */
static char *column_dup(sqlite3_stmt *st, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *s = strdup((const char *)t);
    if (!s)
        *oom = true;
    return s;
}

static enum lc_history_family parse_family(const unsigned char *t)
{
    if (t && strcmp((const char *)t, "load") == 0)
        return LC_HISTORY_FAMILY_LOAD;
    if (t && strcmp((const char *)t, "bench") == 0)
        return LC_HISTORY_FAMILY_BENCH;
    return LC_HISTORY_FAMILY_NONE;
}

static const char *static_verdict(const unsigned char *t)
{
    static const char *const names[] = {"pass", "warn", "fail"};
    for (size_t i = 0; t && i < 3; i++)
        if (strcmp((const char *)t, names[i]) == 0)
            return names[i];
    return "none";
}

int lc_history_list(struct lc_history *h, const struct lc_history_filter *f,
                    struct lc_history_entry **out, size_t *n_out, struct lc_error *err)
{
    *out = NULL;
    *n_out = 0;
    struct lc_history_filter all = {0};
    if (!f)
        f = &all;
    struct lc_history_entry *e = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st = NULL;
    int rc = prepare(h,
                     "SELECT id, start_wall_ns, kind, name, target, requests, errors, rps, "
                     "p99_ns, mean_ns, verdict, partial, baseline, family, figure_ns FROM runs "
                     "WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR kind = ?2) "
                     "ORDER BY id DESC LIMIT ?3",
                     &st, "read", err);
    if (rc != 0)
        goto fail;
    int s = f->name ? sqlite3_bind_text(st, 1, f->name, -1, SQLITE_STATIC) : SQLITE_OK;
    if (s == SQLITE_OK && f->has_kind)
        s = sqlite3_bind_text(st, 2, lc_result_kind_name(f->kind), -1, SQLITE_STATIC);
    if (s == SQLITE_OK)
        s = sqlite3_bind_int64(st, 3, f->limit ? (int64_t)(f->limit & INT64_MAX) : -1);
    if (s != SQLITE_OK) {
        rc = db_fail(h->path, h->db, s, "read", err);
        goto fail;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct lc_history_entry *ne = realloc(e, ncap * sizeof(*e));
            if (!ne) {
                rc = lc_error_set(err, LC_ENOMEM, "out of memory listing history '%s'", h->path);
                goto fail;
            }
            e = ne;
            cap = ncap;
        }
        struct lc_history_entry *x = &e[n++];
        bool oom = false;
        *x = (struct lc_history_entry){0};
        x->id = sqlite3_column_int64(st, 0);
        x->start_wall_ns = (uint64_t)sqlite3_column_int64(st, 1);
        const unsigned char *kind = sqlite3_column_text(st, 2);
        if (!kind || lc_result_kind_parse((const char *)kind, &x->kind) != 0)
            x->kind = LC_RESULT_KIND_HTTP;
        x->name = column_dup(st, 3, &oom);
        if (!x->name && !oom && !(x->name = strdup("")))
            oom = true;
        x->target = column_dup(st, 4, &oom);
        x->requests = (uint64_t)sqlite3_column_int64(st, 5);
        x->errors = (uint64_t)sqlite3_column_int64(st, 6);
        x->rps = sqlite3_column_double(st, 7);
        x->p99_ns = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 8);
        x->mean_ns = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
        x->verdict = static_verdict(sqlite3_column_text(st, 10));
        x->partial = sqlite3_column_int(st, 11) != 0;
        x->baseline = sqlite3_column_int(st, 12) != 0;
        x->family = parse_family(sqlite3_column_text(st, 13));
        x->figure_ns =
            sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 14);
        if (oom) {
            rc = lc_error_set(err, LC_ENOMEM, "out of memory listing history '%s'", h->path);
            goto fail;
        }
    }
    if (s != SQLITE_DONE) {
        rc = db_fail(h->path, h->db, s, "read", err);
        goto fail;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n / 2; i++) { /* newest first -> oldest first */
        struct lc_history_entry t = e[i];
        e[i] = e[n - 1 - i];
        e[n - 1 - i] = t;
    }
    *out = e;
    *n_out = n;
    return 0;
fail:
    sqlite3_finalize(st);
    lc_history_entries_free(e, n);
    return rc;
}

int lc_history_set_baseline(struct lc_history *h, int64_t id, char **name_out, struct lc_error *err)
{
    if (name_out)
        *name_out = NULL;
    sqlite3_stmt *st = NULL;
    char *name = NULL;
    int rc = exec(h, "BEGIN IMMEDIATE", "lock", err);
    if (rc != 0)
        return rc;
    rc = prepare(h, "SELECT name FROM runs WHERE id = ?1", &st, "read", err);
    if (rc != 0)
        goto fail;
    int s = sqlite3_bind_int64(st, 1, id);
    if (s == SQLITE_OK)
        s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = lc_error_set(err, LC_EINVAL,
                          "no run with id %lld in history '%s' (see 'loadcell history')",
                          (long long)id, h->path);
        goto fail;
    }
    if (s != SQLITE_ROW) {
        rc = db_fail(h->path, h->db, s, "read", err);
        goto fail;
    }
    bool oom = false;
    name = column_dup(st, 0, &oom);
    if (!name) {
        rc = lc_error_set(err, LC_ENOMEM, "out of memory marking a baseline in '%s'", h->path);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = prepare(h, "UPDATE runs SET baseline = (id = ?1) WHERE name = ?2", &st, "write", err);
    if (rc != 0)
        goto fail;
    s = sqlite3_bind_int64(st, 1, id);
    s = s ? s : sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    s = s ? s : sqlite3_step(st);
    if (s != SQLITE_DONE) {
        rc = db_fail(h->path, h->db, s, "write", err);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = exec(h, "COMMIT", "write", err);
    if (rc != 0)
        goto fail;
    if (name_out)
        *name_out = name;
    else
        free(name);
    return 0;
fail:
    sqlite3_finalize(st);
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    free(name);
    return rc;
}

int lc_history_clear_baseline(struct lc_history *h, const char *name, bool *cleared_out,
                              struct lc_error *err)
{
    if (cleared_out)
        *cleared_out = false;
    sqlite3_stmt *st = NULL;
    int rc = prepare(h, "UPDATE runs SET baseline = 0 WHERE name = ?1 AND baseline != 0", &st,
                     "write", err);
    if (rc != 0)
        return rc;
    int s = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    s = s ? s : sqlite3_step(st);
    if (s != SQLITE_DONE)
        rc = db_fail(h->path, h->db, s, "write", err);
    else if (cleared_out)
        *cleared_out = sqlite3_changes(h->db) > 0;
    sqlite3_finalize(st);
    return rc;
}

/* Parse a run id: decimal digits only, > 0. */
static bool parse_id(const char *s, int64_t *out)
{
    if (!s[0] || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return false;
    *out = v;
    return true;
}

/*
 * Run sql (parameters ?1 = name or NULL, ?2 = kind text or NULL, ?3 = id) and take the
 * first row's (id, result_json). *found is false when no row matched.
 */
static int fetch_one(struct lc_history *h, const char *sql, const char *name, const char *kind,
                     int64_t id, bool *found, char **json_out, size_t *len_out, int64_t *id_out,
                     struct lc_error *err)
{
    *found = false;
    sqlite3_stmt *st = NULL;
    int rc = prepare(h, sql, &st, "read", err);
    if (rc != 0)
        return rc;
    int s = SQLITE_OK;
    if (name && sqlite3_bind_parameter_count(st) >= 1)
        s = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (s == SQLITE_OK && kind && sqlite3_bind_parameter_count(st) >= 2)
        s = sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (s == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 3)
        s = sqlite3_bind_int64(st, 3, id);
    if (s == SQLITE_OK)
        s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        char *copy = malloc(len + 1);
        if (!copy) {
            rc = lc_error_set(err, LC_ENOMEM, "out of memory reading history '%s'", h->path);
        } else {
            if (len)
                memcpy(copy, t, len);
            copy[len] = '\0';
            *json_out = copy;
            if (len_out)
                *len_out = len;
            if (id_out)
                *id_out = sqlite3_column_int64(st, 0);
            *found = true;
        }
    } else if (s != SQLITE_DONE) {
        rc = db_fail(h->path, h->db, s, "read", err);
    }
    sqlite3_finalize(st);
    return rc;
}

int lc_history_fetch(struct lc_history *h, const char *selector, const char *name,
                     int64_t skip_start_wall_ns, char **json_out, size_t *len_out, int64_t *id_out,
                     struct lc_error *err)
{
    *json_out = NULL;
    bool found = false;
    int64_t id = 0;
    int rc;
    const char *who = name ? name : "(any)";
    if (selector && strcmp(selector, "last") == 0) {
        rc = fetch_one(h,
                       "SELECT id, result_json FROM runs WHERE (?1 IS NULL OR name = ?1) "
                       "AND (?3 = 0 OR start_wall_ns != ?3) ORDER BY id DESC LIMIT 1",
                       name, NULL, skip_start_wall_ns, &found, json_out, len_out, id_out, err);
    } else if (selector && strcmp(selector, "best") == 0) {
        /* Rank within the family of the latest run of that name. */
        char family[16] = "";
        sqlite3_stmt *st = NULL;
        rc = prepare(h,
                     "SELECT family FROM runs WHERE (?1 IS NULL OR name = ?1) "
                     "ORDER BY id DESC LIMIT 1",
                     &st, "read", err);
        if (rc != 0)
            return rc;
        int s = name ? sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) : SQLITE_OK;
        if (s == SQLITE_OK)
            s = sqlite3_step(st);
        if (s == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(family, sizeof(family), "%s", (const char *)sqlite3_column_text(st, 0));
        else if (s != SQLITE_DONE && s != SQLITE_ROW)
            rc = db_fail(h->path, h->db, s, "read", err);
        sqlite3_finalize(st);
        if (rc != 0)
            return rc;
        if (family[0]) {
            rc =
                fetch_one(h,
                          "SELECT id, result_json FROM runs WHERE (?1 IS NULL OR name = ?1) "
                          "AND family = ?2 AND baseline != 0 AND (?3 = 0 OR start_wall_ns != ?3) "
                          "ORDER BY id DESC LIMIT 1",
                          name, family, skip_start_wall_ns, &found, json_out, len_out, id_out, err);
            if (rc == 0 && !found)
                rc = fetch_one(
                    h,
                    "SELECT id, result_json FROM runs WHERE (?1 IS NULL OR name = ?1) "
                    "AND family = ?2 AND figure_ns IS NOT NULL AND partial = 0 "
                    "AND (?3 = 0 OR start_wall_ns != ?3) ORDER BY figure_ns ASC, id DESC LIMIT 1",
                    name, family, skip_start_wall_ns, &found, json_out, len_out, id_out, err);
            if (rc == 0 && !found)
                return lc_error_set(err, LC_EINVAL,
                                    "no complete run named '%s' in history '%s' has a figure to "
                                    "rank (monitor and interrupted runs have none); use 'last' "
                                    "or a run id",
                                    who, h->path);
        }
    } else if (selector && parse_id(selector, &id)) {
        rc = fetch_one(h, "SELECT id, result_json FROM runs WHERE id = ?3", NULL, NULL, id, &found,
                       json_out, len_out, id_out, err);
        if (rc == 0 && !found)
            return lc_error_set(err, LC_EINVAL,
                                "no run with id %lld in history '%s' (see 'loadcell history')",
                                (long long)id, h->path);
    } else {
        return lc_error_set(err, LC_EINVAL,
                            "baseline selector '%s' is not best, last or a run id (e.g. 42)",
                            selector ? selector : "");
    }
    if (rc == 0 && !found)
        rc = lc_error_set(err, LC_EINVAL,
                          "no run named '%s' in history '%s' (see 'loadcell history')", who,
                          h->path);
    return rc;
}

const char *lc_history_library_version(void)
{
    return sqlite3_libversion();
}
