/* Unit tests for results/history: record, list, filters, baselines, fetch, concurrent writers,
 * damage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "results/history.h"
#include "results/result_json.h"

struct fixture {
    char dir[64];
    char path[128]; /* dir/sub/deeper/history.db: open(create) makes the folders */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/lc_history_XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/sub/deeper/history.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* A load Result of `url` whose latencies are all `ms` milliseconds (p99 = ms). */
static void make_load(struct lc_result *r, enum lc_result_kind kind, const char *name,
                      const char *url, int ms, uint64_t errors)
{
    lc_result_init(r, kind);
    assert_int_equal(lc_result_set_str(&r->name, name), 0);
    r->has_load = true;
    assert_int_equal(lc_result_set_str(&r->load.target_url, url), 0);
    r->start_wall_ns = 1700000000ull * 1000000000ull;
    assert_int_equal(lc_result_stats_enable_hist(&r->total, LC_HIST_LATENCY), 0);
    for (int i = 0; i < 100; i++)
        lc_hdr_record(&r->total.hist[LC_HIST_LATENCY], (int64_t)ms * 1000000);
    r->total.requests = 100;
    r->total.errors = errors;
    r->total.rps = 50.0;
}

/* A bench Result named `name` with runs of the given wall times in ms. */
static void make_bench(struct lc_result *r, const char *name, const int *ms, size_t n)
{
    lc_result_init(r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_result_set_str(&r->name, name), 0);
    struct lc_result_bench_command *c = NULL;
    assert_int_equal(lc_result_add_command(r, name, "sleep 0.01", &c), 0);
    for (size_t i = 0; i < n; i++) {
        struct lc_result_bench_run run = {.wall_ns = (uint64_t)ms[i] * 1000000,
                                          .artifact_bytes = -1};
        assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    }
}

static int64_t record(struct lc_history *h, const struct lc_result *r)
{
    struct lc_error err = {0};
    int64_t id = 0;
    assert_int_equal(lc_history_record(h, r, NULL, 0, &id, &err), 0);
    assert_true(id > 0);
    return id;
}

static void test_open_missing_without_create(void **state)
{
    struct fixture *f = *state;
    struct lc_history *h = (struct lc_history *)1;
    struct lc_error err = {0};
    assert_int_equal(lc_history_open(f->path, false, &h, &err), LC_EIO);
    assert_null(h);
    assert_non_null(strstr(err.msg, "no run history"));
    assert_int_equal(lc_history_open("", true, &h, &err), LC_EINVAL);
    assert_string_equal(lc_history_default_path(), ".loadcell/history.db");
}

static void test_record_and_list(void **state)
{
    struct fixture *f = *state;
    struct lc_error err = {0};
    struct lc_history *h = NULL;
    assert_int_equal(lc_history_open(f->path, true, &h, &err), 0);
    assert_string_equal(lc_history_path(h), f->path);

    struct lc_result a, b, c;
    make_load(&a, LC_RESULT_KIND_HTTP, "http", "http://127.0.0.1:1/", 20, 3);
    struct lc_result_threshold t = {.expr = "p(99) < 10ms", .verdict = LC_RESULT_VERDICT_FAIL};
    assert_int_equal(lc_result_add_threshold(&a, &t), 0);
    int ms[] = {10, 30, 20};
    make_bench(&b, "sleepy", ms, 3);
    make_load(&c, LC_RESULT_KIND_RUN, "scenario-x", "http://127.0.0.1:2/", 5, 0);
    c.partial = true;
    int64_t ia = record(h, &a), ib = record(h, &b), ic = record(h, &c);
    assert_true(ia < ib && ib < ic);

    struct lc_history_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(lc_history_list(h, NULL, &e, &n, &err), 0);
    assert_int_equal(n, 3);
    /* Oldest first; the http run is named by its URL. */
    assert_int_equal(e[0].id, ia);
    assert_string_equal(e[0].name, "http://127.0.0.1:1/");
    assert_int_equal(e[0].kind, LC_RESULT_KIND_HTTP);
    assert_int_equal(e[0].requests, 100);
    assert_int_equal(e[0].errors, 3);
    assert_true(e[0].p99_ns >= 19900000 && e[0].p99_ns <= 20100000);
    assert_string_equal(e[0].verdict, "fail");
    assert_false(e[0].partial);
    assert_int_equal(e[0].start_wall_ns, 1700000000ull * 1000000000ull);
    /* Bench: mean of the first command's wall times, nearest-rank p99 (the largest of 3). */
    assert_string_equal(e[1].name, "sleepy");
    assert_string_equal(e[1].target, "sleep 0.01");
    assert_int_equal(e[1].mean_ns, 20000000);
    assert_int_equal(e[1].p99_ns, 30000000);
    assert_int_equal(e[1].requests, 3);
    assert_string_equal(e[1].verdict, "none");
    assert_true(e[2].partial);
    assert_string_equal(e[2].name, "scenario-x");
    lc_history_entries_free(e, n);

    /* Filters: name, kind, limit (the latest N, still oldest first). */
    struct lc_history_filter fl = {.name = "sleepy"};
    assert_int_equal(lc_history_list(h, &fl, &e, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].id, ib);
    lc_history_entries_free(e, n);
    fl = (struct lc_history_filter){.has_kind = true, .kind = LC_RESULT_KIND_RUN};
    assert_int_equal(lc_history_list(h, &fl, &e, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].id, ic);
    lc_history_entries_free(e, n);
    fl = (struct lc_history_filter){.limit = 2};
    assert_int_equal(lc_history_list(h, &fl, &e, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].id, ib);
    assert_int_equal(e[1].id, ic);
    lc_history_entries_free(e, n);
    fl = (struct lc_history_filter){.name = "nobody"};
    assert_int_equal(lc_history_list(h, &fl, &e, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(e);

    lc_result_free(&a);
    lc_result_free(&b);
    lc_result_free(&c);
    lc_history_close(h);

    /* Reopening without create sees the same runs (the schema is kept). */
    assert_int_equal(lc_history_open(f->path, false, &h, &err), 0);
    assert_int_equal(lc_history_list(h, NULL, &e, &n, &err), 0);
    assert_int_equal(n, 3);
    lc_history_entries_free(e, n);
    lc_history_close(h);
}

/* The fetched JSON (skipping the run that started at skip_ns) parses back into a Result. */
static void expect_fetch_skip(struct lc_history *h, const char *sel, const char *name,
                              uint64_t skip_ns, int64_t want_id)
{
    struct lc_error err = {0};
    char *json = NULL;
    size_t len = 0;
    int64_t id = 0;
    int rc = lc_history_fetch(h, sel, name, (int64_t)skip_ns, &json, &len, &id, &err);
    if (rc != 0)
        fail_msg("fetch %s %s: %s", sel, name ? name : "(null)", err.msg);
    assert_int_equal(id, want_id);
    assert_int_equal(strlen(json), len);
    struct lc_result r;
    assert_int_equal(lc_result_from_json_string(json, len, "history", &r, &err), 0);
    lc_result_free(&r);
    free(json);
}

static void expect_fetch(struct lc_history *h, const char *sel, const char *name, int64_t want_id)
{
    expect_fetch_skip(h, sel, name, 0, want_id);
}

static void test_fetch_and_baseline(void **state)
{
    struct fixture *f = *state;
    struct lc_error err = {0};
    struct lc_history *h = NULL;
    assert_int_equal(lc_history_open(f->path, true, &h, &err), 0);
    const char *url = "http://127.0.0.1:9/";
    struct lc_result r;
    int p99s[] = {30, 10, 20, 5};
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        make_load(&r, LC_RESULT_KIND_HTTP, "http", url, p99s[i], 0);
        r.partial = i == 3; /* the fastest run was cut short: never "best" */
        r.start_wall_ns += (uint64_t)i * 1000000000ull; /* each run starts 1 s after the last */
        ids[i] = record(h, &r);
        lc_result_free(&r);
    }
    int ms[] = {1, 2};
    make_bench(&r, "other", ms, 2);
    int64_t other = record(h, &r);
    lc_result_free(&r);

    expect_fetch(h, "last", url, ids[3]);
    expect_fetch(h, "last", NULL, other);
    expect_fetch(h, "best", url, ids[1]); /* lowest p99 among complete runs */
    expect_fetch(h, "best", "other", other);
    /* The new run, already recorded, is never its own baseline: the next best / the one before. */
    expect_fetch_skip(h, "best", url, 1700000001ull * 1000000000ull, ids[2]);
    expect_fetch_skip(h, "last", url, 1700000003ull * 1000000000ull, ids[2]);
    char sel[32];
    snprintf(sel, sizeof(sel), "%lld", (long long)ids[2]);
    expect_fetch(h, sel, "ignored", ids[2]);

    /* A marked baseline wins over the lowest p99, and moves when set again. */
    char *name = NULL;
    assert_int_equal(lc_history_set_baseline(h, ids[0], &name, &err), 0);
    assert_string_equal(name, url);
    free(name);
    expect_fetch(h, "best", url, ids[0]);
    assert_int_equal(lc_history_set_baseline(h, ids[2], NULL, &err), 0);
    expect_fetch(h, "best", url, ids[2]);
    struct lc_history_entry *e = NULL;
    size_t n = 0;
    struct lc_history_filter fl = {.name = url};
    assert_int_equal(lc_history_list(h, &fl, &e, &n, &err), 0);
    size_t marked = 0;
    for (size_t i = 0; i < n; i++)
        marked += e[i].baseline;
    assert_int_equal(marked, 1);
    assert_true(e[2].baseline);
    lc_history_entries_free(e, n);
    bool cleared = false;
    assert_int_equal(lc_history_clear_baseline(h, url, &cleared, &err), 0);
    assert_true(cleared);
    assert_int_equal(lc_history_clear_baseline(h, url, &cleared, &err), 0);
    assert_false(cleared);
    expect_fetch(h, "best", url, ids[1]);

    /* Errors: unknown id, bad selector, no such name. */
    assert_int_equal(lc_history_set_baseline(h, 9999, NULL, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "no run with id 9999"));
    char *json = (char *)1;
    assert_int_equal(lc_history_fetch(h, "newest", url, 0, &json, NULL, NULL, &err), LC_EINVAL);
    assert_null(json);
    assert_non_null(strstr(err.msg, "'newest' is not best, last or a run id"));
    assert_int_equal(lc_history_fetch(h, "last", "nobody", 0, &json, NULL, NULL, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "no run named 'nobody'"));
    assert_int_equal(lc_history_fetch(h, "best", "nobody", 0, &json, NULL, NULL, &err), LC_EINVAL);
    assert_int_equal(lc_history_fetch(h, "424242", NULL, 0, &json, NULL, NULL, &err), LC_EINVAL);
    assert_int_equal(lc_history_fetch(h, "-3", NULL, 0, &json, NULL, NULL, &err), LC_EINVAL);
    lc_history_close(h);
}

#define WRITES_PER_WRITER 40

/* Record WRITES_PER_WRITER runs named `name` through a connection of our own. */
static int write_many(const char *path, const char *name)
{
    struct lc_error err = {0};
    struct lc_history *h = NULL;
    if (lc_history_open(path, true, &h, &err) != 0) {
        fprintf(stderr, "open: %s\n", err.msg);
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < WRITES_PER_WRITER && !bad; i++) {
        int ms[] = {i + 1};
        struct lc_result r;
        make_bench(&r, name, ms, 1);
        if (lc_history_record(h, &r, NULL, 0, NULL, &err) != 0) {
            fprintf(stderr, "record: %s\n", err.msg);
            bad = 1;
        }
        lc_result_free(&r);
    }
    lc_history_close(h);
    return bad;
}

/* Two processes create the database and record at the same time: nothing is lost. */
static void test_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(write_many(f->path, "child"));
    int mine = write_many(f->path, "parent");
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(mine, 0);

    struct lc_error err = {0};
    struct lc_history *h = NULL;
    assert_int_equal(lc_history_open(f->path, false, &h, &err), 0);
    struct lc_history_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(lc_history_list(h, NULL, &e, &n, &err), 0);
    assert_int_equal(n, 2 * WRITES_PER_WRITER);
    size_t child = 0;
    for (size_t i = 0; i < n; i++) {
        child += strcmp(e[i].name, "child") == 0;
        if (i > 0)
            assert_true(e[i].id > e[i - 1].id);
    }
    assert_int_equal(child, WRITES_PER_WRITER);
    lc_history_entries_free(e, n);
    lc_history_close(h);
}

static void put(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void run_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_damaged_and_foreign(void **state)
{
    struct fixture *f = *state;
    struct lc_error err = {0};
    struct lc_history *h = NULL;
    char path[192];

    /* Not a database at all: a clear error naming the path and the fix. */
    snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
    put(path, "this is not an SQLite file, it is a text file that is long enough to look at\n");
    assert_int_equal(lc_history_open(path, true, &h, &err), LC_EFORMAT);
    assert_null(h);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "move it away"));
    assert_int_equal(lc_exit_code_for(err.code), LC_EXIT_USAGE);

    /* A newer schema is refused, not changed. */
    snprintf(path, sizeof(path), "%s/newer.db", f->dir);
    run_sql(path, "PRAGMA user_version=99");
    assert_int_equal(lc_history_open(path, true, &h, &err), LC_EFORMAT);
    assert_non_null(strstr(err.msg, "newer loadcell"));

    /* Another application's database is left alone. */
    snprintf(path, sizeof(path), "%s/foreign.db", f->dir);
    run_sql(path, "CREATE TABLE accounts(id INTEGER)");
    assert_int_equal(lc_history_open(path, true, &h, &err), LC_EFORMAT);
    assert_non_null(strstr(err.msg, "not a loadcell history"));

    /* A folder where the file should be. */
    assert_int_equal(lc_history_open(f->dir, true, &h, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "is a folder"));
}

/* A version-1 database (no family column) is upgraded in place; its runs stay. */
static void test_upgrade_from_v1(void **state)
{
    struct fixture *f = *state;
    char path[192];
    snprintf(path, sizeof(path), "%s/v1.db", f->dir);
    run_sql(path, "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                  " recorded_wall_ns INTEGER NOT NULL, start_wall_ns INTEGER NOT NULL,"
                  " kind TEXT NOT NULL, name TEXT NOT NULL, target TEXT,"
                  " requests INTEGER NOT NULL, errors INTEGER NOT NULL, rps REAL NOT NULL,"
                  " p99_ns INTEGER, mean_ns INTEGER, figure_ns INTEGER, verdict TEXT NOT NULL,"
                  " partial INTEGER NOT NULL, baseline INTEGER NOT NULL DEFAULT 0,"
                  " result_json TEXT NOT NULL);"
                  "CREATE INDEX runs_by_name ON runs(name, id);"
                  "INSERT INTO runs VALUES (NULL, 1, 2, 'bench', 'old', 'true', 3, 0, 0,"
                  " 9000, 7000, 7000, 'none', 0, 0, '{}');"
                  "PRAGMA user_version=1;");
    struct lc_error err = {0};
    struct lc_history *h = NULL;
    assert_int_equal(lc_history_open(path, false, &h, &err), 0);
    struct lc_history_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(lc_history_list(h, NULL, &e, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].family, LC_HISTORY_FAMILY_BENCH);
    assert_int_equal(e[0].figure_ns, 7000);
    lc_history_entries_free(e, n);
    int ms[] = {4};
    struct lc_result r;
    make_bench(&r, "old", ms, 1);
    record(h, &r);
    lc_result_free(&r);
    lc_history_close(h);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), LC_HISTORY_SCHEMA_VERSION);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A scenario run of benchmarks only is ranked by its mean, like a bench run. */
static void test_families(void **state)
{
    struct fixture *f = *state;
    struct lc_error err = {0};
    struct lc_history *h = NULL;
    assert_int_equal(lc_history_open(f->path, true, &h, &err), 0);
    struct lc_result r;
    int slow[] = {50}, fast[] = {10};
    make_bench(&r, "mixed", slow, 1);
    r.kind = LC_RESULT_KIND_RUN; /* `loadcell run` of a file with benchmarks only */
    int64_t a = record(h, &r);
    lc_result_free(&r);
    make_bench(&r, "mixed", fast, 1);
    r.kind = LC_RESULT_KIND_RUN;
    int64_t b = record(h, &r);
    lc_result_free(&r);
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    assert_int_equal(lc_result_set_str(&r.name, "pid 1 (init)"), 0);
    int64_t m = record(h, &r);
    lc_result_free(&r);

    struct lc_history_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(lc_history_list(h, NULL, &e, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(e[0].family, LC_HISTORY_FAMILY_BENCH);
    assert_int_equal(e[0].figure_ns, 50000000);
    assert_int_equal(e[0].rps, 0);
    assert_int_equal(e[2].family, LC_HISTORY_FAMILY_NONE);
    assert_int_equal(e[2].figure_ns, -1);
    assert_int_equal(e[2].p99_ns, -1);
    lc_history_entries_free(e, n);
    expect_fetch(h, "best", "mixed", b);
    assert_true(a < b);
    /* A monitor run has nothing to rank unless it is marked. */
    char *json = NULL;
    assert_int_equal(lc_history_fetch(h, "best", "pid 1 (init)", 0, &json, NULL, NULL, &err),
                     LC_EINVAL);
    assert_non_null(strstr(err.msg, "figure to rank"));
    assert_int_equal(lc_history_set_baseline(h, m, NULL, &err), 0);
    expect_fetch(h, "best", "pid 1 (init)", m);
    lc_history_close(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_missing_without_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_and_baseline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_and_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_families, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
