/* The bench engine: commands x scan points, warm-up and timed runs, metrics, derived metrics,
 * warnings. */
#include "bench/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/argv.h"
#include "bench/artifact.h"
#include "bench/metrics.h"
#include "core/clock.h"
#include "core/parse.h"
#include "core/stats.h"

extern char **environ;

/* Lines of a failing command's stderr kept for the error report. */
#define STDERR_TAIL_LINES 8
/* Spawn times kept for the median (later ones overwrite earlier ones round-robin). */
#define SPAWN_SAMPLES 65536
/* A command shorter than this is dominated by the shell's start-up (hyperfine's 5 ms). */
#define SHORT_COMMAND_NS (5 * LC_NS_PER_MS)

void lc_bench_plan_defaults(struct lc_bench_plan *p)
{
    memset(p, 0, sizeof(*p));
    p->shell = "sh";
    p->shell_calibration_runs = 50;
    p->min_runs = 10;
    p->min_time_ns = 3 * LC_NS_PER_SEC;
    p->output = LC_BENCH_OUTPUT_NULL;
}

char *lc_bench_params_label(const struct lc_result_bench_command *c, char *buf, size_t size)
{
    size_t at = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < c->n_params && at < size; i++) {
        int n = snprintf(buf + at, size - at, "%s%s=%s", i ? ", " : "", c->params[i].key,
                         c->params[i].value);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    return buf;
}

/* The state of one lc_bench_run call. */
struct ctx {
    const struct lc_bench_plan *plan;
    const struct lc_bench_hooks *hooks;
    struct lc_result *r;
    struct lc_bench_outcome *out;
    struct lc_error *err;
    const char *tmpdir;
    int null_fd;   /* /dev/null, read-write */
    int errcap_fd; /* a deleted temporary file collecting stderr; -1 when inherited */
    int out_fd;    /* LC_BENCH_OUTPUT_FILE's file, else -1 */
    uint64_t *spawn_ns;
    size_t n_spawn;
    uint64_t spawn_seen;
    uint64_t harness_rss;
    double hook_user_s, hook_sys_s; /* CPU spent in the caller's hooks, not the harness's */
};

/* One command at one grid point, with its templates substituted. */
struct point {
    size_t index; /* over commands x grid */
    const char *name;
    char *label; /* "'name' (n=100)" for messages */
    char *command;
    char *setup, *prepare, *conclude, *cleanup, *artifact;
    const struct lc_bench_kv *kv;
    size_t n_kv;
    struct lc_result_bench_command *rc; /* the Result's entry */
    /* Counts for the warnings at the end of the point. */
    uint64_t artifact_missing;
    uint64_t metrics_bad_lines;
    unsigned metrics_first_bad_line;
    struct lc_error metrics_bad;
    uint64_t metrics_unreadable;
    uint64_t *derive_missing; /* per derive: runs where a name was missing */
    uint64_t *derive_range;   /* per derive: runs with a division by zero or overflow */
    char **derive_missing_name;
    uint64_t failed_runs;
    uint64_t timed_out_runs;
    int first_failed_code;
};

static int oom(struct ctx *c)
{
    return lc_error_set(c->err, LC_ENOMEM, "out of memory");
}

static bool interrupted(const struct ctx *c)
{
    return c->hooks && c->hooks->interrupted && *c->hooks->interrupted;
}

static double tv_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void emit(struct ctx *c, struct lc_bench_event *ev)
{
    if (!c->hooks || !c->hooks->on_event)
        return;
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    c->hooks->on_event(ev, c->hooks->ctx);
    getrusage(RUSAGE_SELF, &b);
    c->hook_user_s += tv_s(&b.ru_utime) - tv_s(&a.ru_utime);
    c->hook_sys_s += tv_s(&b.ru_stime) - tv_s(&a.ru_stime);
}

/* The argv of a command line: through the shell, or split without one. Caller frees. */
static int make_argv(struct ctx *c, const char *line, char ***out)
{
    if (!c->plan->shell)
        return lc_bench_argv_split(line, out, NULL, c->err);
    char **argv = calloc(4, sizeof(*argv));
    if (!argv)
        return oom(c);
    argv[0] = strdup(c->plan->shell);
    argv[1] = strdup("-c");
    argv[2] = strdup(line);
    if (!argv[0] || !argv[1] || !argv[2]) {
        lc_bench_argv_free(argv);
        return oom(c);
    }
    *out = argv;
    return 0;
}

static void reset_capture(struct ctx *c)
{
    if (c->errcap_fd < 0)
        return;
    if (ftruncate(c->errcap_fd, 0) == 0)
        lseek(c->errcap_fd, 0, SEEK_SET);
}

/* Copy the last lines of the captured stderr into buf (printable, "" when none). */
static void read_tail(struct ctx *c, char *buf, size_t size)
{
    buf[0] = '\0';
    if (c->errcap_fd < 0 || size < 2)
        return;
    struct stat st;
    if (fstat(c->errcap_fd, &st) != 0 || st.st_size <= 0)
        return;
    size_t want = size - 1;
    off_t from = st.st_size > (off_t)want ? st.st_size - (off_t)want : 0;
    ssize_t n = pread(c->errcap_fd, buf, want, from);
    if (n <= 0)
        return;
    size_t len = (size_t)n;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    /* Keep the last STDERR_TAIL_LINES lines; drop a partial first line when cut. */
    size_t start = 0, lines = 0;
    for (size_t i = len; i-- > 0;) {
        if (buf[i] == '\n' && ++lines == STDERR_TAIL_LINES) {
            start = i + 1;
            break;
        }
    }
    if (start == 0 && from > 0) {
        char *nl = memchr(buf, '\n', len);
        if (nl)
            start = (size_t)(nl - buf) + 1;
    }
    memmove(buf, buf + start, len - start + 1);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            *p = '?';
}

/* Spawn argv with the given streams and count it. */
static int spawn(struct ctx *c, char **argv, char **envp, int in_fd, int out_fd, bool pipe_out,
                 int err_fd, struct lc_bench_measure *m)
{
    struct lc_bench_spawn s = {
        .argv = argv,
        .envp = envp,
        .stdin_fd = in_fd,
        .stdout_fd = out_fd,
        .stderr_fd = err_fd,
        .pipe_stdout = pipe_out,
        .timeout_ns = c->plan->timeout_ns,
        .interrupted = c->hooks ? c->hooks->interrupted : NULL,
    };
    struct rusage self;
    if (getrusage(RUSAGE_SELF, &self) == 0 && self.ru_maxrss > 0 &&
        (uint64_t)self.ru_maxrss * 1024 > c->harness_rss)
        c->harness_rss = (uint64_t)self.ru_maxrss * 1024;
    int rc = lc_bench_spawn_run(&s, m, c->err);
    if (rc != 0)
        return rc;
    c->out->all_runs++;
    c->spawn_ns[c->spawn_seen++ % SPAWN_SAMPLES] = m->spawn_ns;
    if (c->n_spawn < SPAWN_SAMPLES)
        c->n_spawn++;
    return 0;
}

/* "exit code 2", "signal 9 (Killed)", "a timeout (killed after 10s)" */
static void describe_exit(const struct ctx *c, const struct lc_bench_measure *m, char *buf,
                          size_t size)
{
    char d[32];
    if (m->timed_out)
        snprintf(buf, size, "a timeout (killed after %s)",
                 lc_format_duration(c->plan->timeout_ns, d, sizeof(d)));
    else if (m->term_signal)
        snprintf(buf, size, "signal %d (%s)", m->term_signal, strsignal(m->term_signal));
    else
        snprintf(buf, size, "exit code %d", m->exit_code);
}

/* Run a helper command (setup, prepare, conclude, cleanup); it must exit 0. */
static int run_helper(struct ctx *c, struct point *pt, const char *what, const char *line)
{
    char **argv = NULL;
    int rc = make_argv(c, line, &argv);
    if (rc != 0)
        return rc;
    struct lc_bench_measure m;
    reset_capture(c);
    rc = spawn(c, argv, NULL, c->null_fd, c->null_fd, false, c->errcap_fd, &m);
    lc_bench_argv_free(argv);
    if (rc != 0)
        return rc;
    if (m.interrupted || interrupted(c))
        return lc_error_set(c->err, LC_EINTR, "interrupted");
    if (m.exit_code != 0 || m.timed_out) {
        char how[96];
        describe_exit(c, &m, how, sizeof(how));
        read_tail(c, c->out->stderr_tail, sizeof(c->out->stderr_tail));
        c->out->failed_exit_code = m.exit_code;
        return lc_error_set(c->err, LC_ESYS, "%s command '%s' of %s failed with %s", what, line,
                            pt->label, how);
    }
    return 0;
}

/* The environment of a timed command: ours, with LOADCELL_METRICS set to path. */
static char **make_env(const char *path, char **var_out)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **env = calloc(n + 2, sizeof(*env));
    size_t vlen = strlen(LC_BENCH_METRICS_ENV) + 1 + strlen(path) + 1;
    char *var = malloc(vlen);
    if (!env || !var) {
        free(env);
        free(var);
        return NULL;
    }
    snprintf(var, vlen, "%s=%s", LC_BENCH_METRICS_ENV, path);
    size_t k = 0, plen = strlen(LC_BENCH_METRICS_ENV);
    for (char **e = environ; e && *e; e++)
        if (!(strncmp(*e, LC_BENCH_METRICS_ENV, plen) == 0 && (*e)[plen] == '='))
            env[k++] = *e;
    env[k++] = var;
    env[k] = NULL;
    *var_out = var;
    return env;
}

/* Read the metrics file (at most LC_BENCH_METRICS_FILE_MAX bytes) into run. */
static int collect_metrics(struct ctx *c, struct point *pt, const char *path,
                           struct lc_result_bench_run *run)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pt->metrics_unreadable++;
        return 0;
    }
    char *buf = malloc(LC_BENCH_METRICS_FILE_MAX);
    if (!buf) {
        close(fd);
        return oom(c);
    }
    size_t len = 0;
    while (len < LC_BENCH_METRICS_FILE_MAX) {
        ssize_t n = read(fd, buf + len, LC_BENCH_METRICS_FILE_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    /* A cut last line would be misread: drop it when the file was longer. */
    if (len == LC_BENCH_METRICS_FILE_MAX) {
        while (len > 0 && buf[len - 1] != '\n')
            len--;
        pt->metrics_bad_lines++;
    }
    size_t bad = 0;
    unsigned first_bad = 0;
    struct lc_error bad_err = {0};
    int rc = lc_bench_metrics_parse(buf, len, run, &bad, &first_bad, &bad_err);
    free(buf);
    if (rc != 0)
        return rc == LC_ELIMIT
                   ? lc_error_set(c->err, rc, "%s reported more than %d metrics in one run",
                                  pt->label, LC_RESULT_MAX_METRICS)
                   : oom(c);
    if (bad && pt->metrics_bad_lines == 0) {
        pt->metrics_first_bad_line = first_bad;
        pt->metrics_bad = bad_err;
    }
    pt->metrics_bad_lines += bad;
    return 0;
}

/* The value of `name` in a run: its metrics, then the built-ins, then the parameters. */
static int lookup(const struct point *pt, const struct lc_result_bench_run *run, const char *name,
                  double *out)
{
    const struct lc_result_metric *m = lc_bench_run_metric(run, name);
    if (m) {
        *out = m->value;
        return 0;
    }
    if (strcmp(name, "wall_s") == 0)
        *out = (double)run->wall_ns / 1e9;
    else if (strcmp(name, "user_s") == 0)
        *out = (double)run->user_ns / 1e9;
    else if (strcmp(name, "sys_s") == 0)
        *out = (double)run->sys_ns / 1e9;
    else if (strcmp(name, "cpu_s") == 0)
        *out = (double)(run->user_ns + run->sys_ns) / 1e9;
    else if (strcmp(name, "max_rss_bytes") == 0)
        *out = (double)run->max_rss_bytes;
    else if (strcmp(name, "artifact_bytes") == 0 && run->artifact_bytes >= 0)
        *out = (double)run->artifact_bytes;
    else if (strcmp(name, "exit_code") == 0)
        *out = run->exit_code;
    else {
        for (size_t i = 0; i < pt->n_kv; i++)
            if (strcmp(pt->kv[i].key, name) == 0 &&
                lc_bench_parse_number(pt->kv[i].value, out) == 0)
                return 0;
        return -1;
    }
    return 0;
}

static int apply_derives(struct ctx *c, struct point *pt, struct lc_result_bench_run *run)
{
    for (size_t d = 0; d < c->plan->n_derives; d++) {
        const struct lc_bench_derive *dv = &c->plan->derives[d];
        size_t nv = lc_bench_expr_var_count(dv->expr);
        double vals[64];
        double *values = nv <= 64 ? vals : malloc(nv * sizeof(*values));
        if (!values)
            return oom(c);
        int missing = 0;
        for (size_t i = 0; i < nv && !missing; i++) {
            const char *name = lc_bench_expr_var_name(dv->expr, i);
            if (lookup(pt, run, name, &values[i]) != 0) {
                missing = 1;
                if (pt->derive_missing[d]++ == 0)
                    pt->derive_missing_name[d] = (char *)name;
            }
        }
        double v = 0;
        int rc = 0;
        if (!missing && lc_bench_expr_eval(dv->expr, values, &v) != 0)
            pt->derive_range[d]++;
        else if (!missing)
            rc = lc_bench_run_set_metric(run, dv->name, v, dv->unit);
        if (values != vals)
            free(values);
        if (rc != 0)
            return rc == LC_ELIMIT ? lc_error_set(c->err, rc, "more than %d metrics in one run",
                                                  LC_RESULT_MAX_METRICS)
                                   : oom(c);
    }
    return 0;
}

static uint64_t sub_floor(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/*
 * One run of the point's command: prepare, the command, artifact, metrics,
 * derived metrics, conclude. With run != NULL (a timed run) the figures are
 * filled into *run (metrics allocated: the caller frees them on error).
 */
static int run_once(struct ctx *c, struct point *pt, char **argv, struct lc_bench_measure *m,
                    struct lc_result_bench_run *run)
{
    const struct lc_bench_plan *p = c->plan;
    int rc = 0;
    if (pt->prepare && (rc = run_helper(c, pt, "--prepare", pt->prepare)) != 0)
        return rc;
    char path[4096];
    snprintf(path, sizeof(path), "%s/loadcell-metrics-XXXXXX", c->tmpdir);
    int mfd = mkstemp(path);
    if (mfd < 0)
        return lc_error_sys(c->err, errno, "cannot create a metrics file in %s", c->tmpdir);
    close(mfd);
    char *var = NULL;
    char **env = make_env(path, &var);
    int in_fd = c->null_fd;
    if (!env) {
        rc = oom(c);
        goto out;
    }
    if (p->input_path) {
        in_fd = open(p->input_path, O_RDONLY | O_CLOEXEC);
        if (in_fd < 0) {
            rc = lc_error_sys(c->err, errno, "cannot open --input '%s'", p->input_path);
            goto out;
        }
    }
    int out_fd = c->null_fd;
    if (p->output == LC_BENCH_OUTPUT_INHERIT)
        out_fd = -1;
    else if (p->output == LC_BENCH_OUTPUT_FILE)
        out_fd = c->out_fd;
    reset_capture(c);
    rc = spawn(c, argv, env, in_fd, out_fd, p->output == LC_BENCH_OUTPUT_PIPE, c->errcap_fd, m);
    if (p->input_path)
        close(in_fd);
    if (rc != 0)
        goto out;
    if (m->exit_code != 0 || m->timed_out)
        read_tail(c, c->out->stderr_tail, sizeof(c->out->stderr_tail));
    if (run) {
        const struct lc_bench_outcome *o = c->out;
        run->wall_ns = sub_floor(m->wall_ns, o->shell_wall_ns);
        run->user_ns = sub_floor(m->user_ns, o->shell_user_ns);
        run->sys_ns = sub_floor(m->sys_ns, o->shell_sys_ns);
        run->max_rss_bytes = m->max_rss_bytes;
        run->exit_code = m->exit_code;
        run->artifact_bytes = -1;
        if (pt->artifact) {
            struct lc_error aerr = {0};
            if (lc_bench_path_size(pt->artifact, &run->artifact_bytes, &aerr) != 0) {
                run->artifact_bytes = -1;
                pt->artifact_missing++;
            }
        }
        rc = collect_metrics(c, pt, path, run);
        if (rc == 0)
            rc = lc_bench_run_set_metric(run, LC_BENCH_METRIC_VCSW, (double)m->vol_ctx_switches,
                                         NULL);
        if (rc == 0)
            rc = lc_bench_run_set_metric(run, LC_BENCH_METRIC_IVCSW, (double)m->invol_ctx_switches,
                                         NULL);
        if (rc == 0)
            rc = apply_derives(c, pt, run);
        if (rc != 0) {
            if (!c->err->msg[0])
                oom(c);
            goto out;
        }
    }
out:
    unlink(path);
    free(env);
    free(var);
    if (rc == 0 && !m->interrupted && pt->conclude) {
        /* conclude overwrites the captured stderr: keep the command's tail. */
        char keep[sizeof(c->out->stderr_tail)];
        memcpy(keep, c->out->stderr_tail, sizeof(keep));
        rc = run_helper(c, pt, "--conclude", pt->conclude);
        if (rc == 0)
            memcpy(c->out->stderr_tail, keep, sizeof(keep));
    }
    return rc;
}

static void free_run(struct lc_result_bench_run *run)
{
    for (size_t i = 0; i < run->n_metrics; i++) {
        free(run->metrics[i].name);
        free(run->metrics[i].unit);
    }
    free(run->metrics);
    memset(run, 0, sizeof(*run));
}

/* Warnings about one point's measurement, added to the Result. */
static int point_warnings(struct ctx *c, struct point *pt)
{
    const struct lc_bench_plan *p = c->plan;
    struct lc_result_bench_command *rc = pt->rc;
    struct lc_result *r = c->r;
    int e = 0;
    size_t n = rc->n_runs;
    char a[32], b[32];
    if (n >= 3) {
        double *wall = malloc(n * sizeof(*wall));
        bool *flag = malloc(n * sizeof(*flag));
        size_t n_out = 0;
        if (!wall || !flag) {
            free(wall);
            free(flag);
            return LC_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            wall[i] = (double)rc->runs[i].wall_ns;
        double med = 0;
        if (lc_stats_outliers(wall, n, LC_STATS_OUTLIER_Z, flag, &n_out) == 0 && n_out > 0 &&
            lc_stats_median(wall, n, &med) == 0) {
            size_t worst = 0;
            for (size_t i = 0; i < n; i++)
                if (flag[i] && fabs(wall[i] - med) > fabs(wall[worst] - med))
                    worst = i;
            if (!flag[worst])
                for (worst = 0; !flag[worst]; worst++)
                    ;
            e = lc_result_add_warning(
                r,
                "%s: %zu of %zu runs are statistical outliers (|modified z| > 3.5; run %zu took "
                "%s against a median of %s)%s",
                pt->label, n_out, n, worst + 1, lc_format_duration(rc->runs[worst].wall_ns, a, 32),
                lc_format_duration((uint64_t)med, b, 32),
                flag[0] && wall[0] > med
                    ? ": the first run was slower (cold caches?), consider --warmup or --prepare"
                    : ": other programs or I/O may have interfered; consider a quieter machine");
        }
        free(wall);
        free(flag);
    }
    if (e == 0 && n > 0) {
        uint64_t lo = UINT64_MAX, sum = 0;
        for (size_t i = 0; i < n; i++) {
            if (rc->runs[i].max_rss_bytes < lo)
                lo = rc->runs[i].max_rss_bytes;
            sum += rc->runs[i].wall_ns;
        }
        if (c->harness_rss && lo <= c->harness_rss + c->harness_rss / 20)
            e = lc_result_add_warning(
                r,
                "%s: max RSS %s is at loadcell's own floor (%s): Linux charges the spawning "
                "process's memory to a child at exec, so the command's real peak is at most this",
                pt->label, lc_format_bytes((double)lo, a, 32),
                lc_format_bytes((double)c->harness_rss, b, 32));
        if (e == 0 && p->shell && sum / n < SHORT_COMMAND_NS)
            e = lc_result_add_warning(
                r,
                "%s took less than 5 ms on average: the shell's start-up cost (%s, subtracted) "
                "is a large part of it; -N (no shell) measures it more precisely",
                pt->label, lc_format_duration(c->out->shell_wall_ns, a, 32));
    }
    if (e == 0 && pt->artifact_missing)
        e = lc_result_add_warning(r, "%s: artifact '%s' was missing after %llu of %zu runs",
                                  pt->label, pt->artifact, (unsigned long long)pt->artifact_missing,
                                  n);
    if (e == 0 && pt->metrics_bad_lines)
        e = lc_result_add_warning(r,
                                  "%s: %llu malformed line(s) in $%s were ignored (first: line "
                                  "%u: %s; expected NAME=VALUE [UNIT])",
                                  pt->label, (unsigned long long)pt->metrics_bad_lines,
                                  LC_BENCH_METRICS_ENV, pt->metrics_first_bad_line,
                                  pt->metrics_bad.msg[0] ? pt->metrics_bad.msg : "too long");
    for (size_t d = 0; e == 0 && d < p->n_derives; d++) {
        if (pt->derive_missing[d])
            e = lc_result_add_warning(r,
                                      "%s: derived metric '%s' is missing from %llu of %zu runs: "
                                      "'%s' is neither a metric of those runs, a built-in nor a "
                                      "parameter",
                                      pt->label, p->derives[d].name,
                                      (unsigned long long)pt->derive_missing[d], n,
                                      pt->derive_missing_name[d]);
        if (e == 0 && pt->derive_range[d])
            e = lc_result_add_warning(r,
                                      "%s: derived metric '%s' is missing from %llu of %zu runs: "
                                      "division by zero or overflow",
                                      pt->label, p->derives[d].name,
                                      (unsigned long long)pt->derive_range[d], n);
    }
    if (e == 0 && pt->failed_runs)
        e = lc_result_add_warning(r,
                                  "%s: %llu of %zu runs failed (first: exit code %d%s); their "
                                  "times are included (--ignore-failure)",
                                  pt->label, (unsigned long long)pt->failed_runs, n,
                                  pt->first_failed_code,
                                  pt->timed_out_runs ? ", some timed out" : "");
    return e;
}

static void free_point(struct point *pt)
{
    free(pt->label);
    free(pt->command);
    free(pt->setup);
    free(pt->prepare);
    free(pt->conclude);
    free(pt->cleanup);
    free(pt->artifact);
    free(pt->derive_missing);
    free(pt->derive_range);
    free(pt->derive_missing_name);
    memset(pt, 0, sizeof(*pt));
}

/* Substitute every template of command spec `cs` at the point's parameters. */
static int fill_point(struct ctx *c, const struct lc_bench_command_spec *cs, struct point *pt)
{
    const struct lc_bench_plan *p = c->plan;
    const struct lc_bench_kv *kv = pt->kv;
    size_t n = pt->n_kv;
    if (lc_bench_substitute(cs->command, kv, n, &pt->command) != 0 ||
        lc_bench_substitute(p->setup, kv, n, &pt->setup) != 0 ||
        lc_bench_substitute(cs->prepare ? cs->prepare : p->prepare, kv, n, &pt->prepare) != 0 ||
        lc_bench_substitute(cs->conclude ? cs->conclude : p->conclude, kv, n, &pt->conclude) != 0 ||
        lc_bench_substitute(p->cleanup, kv, n, &pt->cleanup) != 0 ||
        lc_bench_substitute(p->artifact, kv, n, &pt->artifact) != 0)
        return oom(c);
    size_t nd = p->n_derives ? p->n_derives : 1;
    pt->derive_missing = calloc(nd, sizeof(*pt->derive_missing));
    pt->derive_range = calloc(nd, sizeof(*pt->derive_range));
    pt->derive_missing_name = calloc(nd, sizeof(*pt->derive_missing_name));
    char params[512] = "";
    for (size_t i = 0, at = 0; i < n && at < sizeof(params); i++) {
        int w = snprintf(params + at, sizeof(params) - at, "%s%s=%s", i ? ", " : "", kv[i].key,
                         kv[i].value);
        at += w > 0 ? (size_t)w : 0;
    }
    size_t len = strlen(pt->name) + strlen(params) + 8;
    pt->label = malloc(len);
    if (!pt->derive_missing || !pt->derive_range || !pt->derive_missing_name || !pt->label)
        return oom(c);
    if (n)
        snprintf(pt->label, len, "'%s' (%s)", pt->name, params);
    else
        snprintf(pt->label, len, "'%s'", pt->name);
    return 0;
}

/* Measure one point: setup, warm-ups, timed runs, cleanup. */
static int bench_point(struct ctx *c, struct point *pt, size_t n_points)
{
    const struct lc_bench_plan *p = c->plan;
    char **argv = NULL;
    int rc = make_argv(c, pt->command, &argv);
    if (rc != 0)
        return rc;
    struct lc_bench_event ev = {
        .kind = LC_BENCH_EV_POINT_START,
        .point = pt->index,
        .n_points = n_points,
        .command = pt->rc,
        .runs_min = p->runs ? p->runs : p->min_runs,
        .runs_max = p->runs ? p->runs : (p->max_runs ? p->max_runs : LC_RESULT_MAX_RUNS),
        .min_time_ns = p->runs ? 0 : p->min_time_ns,
    };
    emit(c, &ev);
    if (pt->setup && (rc = run_helper(c, pt, "--setup", pt->setup)) != 0)
        goto out;
    struct lc_bench_measure m;
    for (uint64_t i = 0; i < p->warmup_runs; i++) {
        if (interrupted(c)) {
            rc = lc_error_set(c->err, LC_EINTR, "interrupted");
            goto out;
        }
        rc = run_once(c, pt, argv, &m, NULL);
        if (rc == 0 && (m.interrupted || interrupted(c)))
            rc = lc_error_set(c->err, LC_EINTR, "interrupted");
        if (rc == 0 && (m.exit_code != 0 || m.timed_out) && !p->ignore_failure) {
            char how[96];
            describe_exit(c, &m, how, sizeof(how));
            c->out->failed_exit_code = m.exit_code;
            rc = lc_error_set(c->err, LC_ESYS,
                              "%s failed with %s in warm-up run %llu (use --ignore-failure to "
                              "benchmark it anyway)",
                              pt->label, how, (unsigned long long)(i + 1));
        }
        if (rc != 0)
            goto out;
        ev.kind = LC_BENCH_EV_RUN;
        ev.warmup = true;
        ev.run = i + 1;
        ev.measure = &m;
        emit(c, &ev);
    }
    uint64_t max = p->runs ? p->runs : (p->max_runs ? p->max_runs : LC_RESULT_MAX_RUNS);
    uint64_t min = p->runs ? p->runs : (p->min_runs ? p->min_runs : 1);
    if (max > LC_RESULT_MAX_RUNS)
        max = LC_RESULT_MAX_RUNS;
    if (min > max)
        min = max;
    uint64_t wall_sum = 0;
    for (uint64_t i = 0; i < max; i++) {
        if (i >= min && (p->runs || wall_sum >= p->min_time_ns))
            break;
        if (interrupted(c)) {
            rc = lc_error_set(c->err, LC_EINTR, "interrupted");
            goto out;
        }
        struct lc_result_bench_run run;
        memset(&run, 0, sizeof(run));
        rc = run_once(c, pt, argv, &m, &run);
        if (rc == 0 && (m.interrupted || interrupted(c)))
            rc = lc_error_set(c->err, LC_EINTR, "interrupted"); /* a killed run is not kept */
        if (rc == 0)
            rc = lc_result_command_add_run(pt->rc, &run, NULL);
        free_run(&run);
        if (rc != 0) {
            if (!c->err->msg[0])
                oom(c);
            goto out;
        }
        c->out->timed_runs++;
        wall_sum += m.wall_ns;
        if (m.exit_code != 0 || m.timed_out) {
            if (pt->failed_runs++ == 0)
                pt->first_failed_code = m.exit_code;
            pt->timed_out_runs += m.timed_out;
            if (!p->ignore_failure) {
                char how[96];
                describe_exit(c, &m, how, sizeof(how));
                c->out->failed_exit_code = m.exit_code;
                rc = lc_error_set(c->err, LC_ESYS,
                                  "%s failed with %s in run %llu (use --ignore-failure to "
                                  "benchmark it anyway)",
                                  pt->label, how, (unsigned long long)(i + 1));
                goto out;
            }
        }
        ev.kind = LC_BENCH_EV_RUN;
        ev.warmup = false;
        ev.run = i + 1;
        ev.measure = &m;
        ev.wall_sum_s = (double)wall_sum / 1e9;
        emit(c, &ev);
    }
    if (pt->cleanup)
        rc = run_helper(c, pt, "--cleanup", pt->cleanup);
out:
    if (rc != 0 && rc != LC_EINTR && pt->cleanup && !interrupted(c)) {
        /* Still clean up after a failure, but report the first error. */
        struct lc_error keep = *c->err;
        char tail[sizeof(c->out->stderr_tail)];
        memcpy(tail, c->out->stderr_tail, sizeof(tail));
        int keep_code = c->out->failed_exit_code;
        if (strstr(keep.msg, "--cleanup") == NULL)
            (void)run_helper(c, pt, "--cleanup", pt->cleanup);
        *c->err = keep;
        memcpy(c->out->stderr_tail, tail, sizeof(tail));
        c->out->failed_exit_code = keep_code;
    }
    lc_bench_argv_free(argv);
    int wrc = point_warnings(c, pt);
    if (rc == 0 && wrc != 0)
        rc = lc_error_set(c->err, wrc, "cannot add a warning: %s", lc_strerror(wrc));
    if (rc == 0) {
        ev.kind = LC_BENCH_EV_POINT_DONE;
        ev.measure = NULL;
        emit(c, &ev);
    }
    return rc;
}

/* Time `shell -c ''` and keep the medians, to subtract them from every run. */
static int calibrate_shell(struct ctx *c)
{
    const struct lc_bench_plan *p = c->plan;
    unsigned n = p->shell_calibration_runs ? p->shell_calibration_runs : 1;
    double *w = calloc(n, sizeof(*w)), *u = calloc(n, sizeof(*u)), *s = calloc(n, sizeof(*s));
    char *argv[] = {(char *)p->shell, (char *)"-c", (char *)"", NULL};
    int rc = 0;
    if (!w || !u || !s) {
        rc = oom(c);
        goto out;
    }
    /* Three untimed runs first: the first spawns of a shell pay for cold caches. */
    for (unsigned i = 0; i < n + 3; i++) {
        struct lc_bench_measure m;
        reset_capture(c);
        rc = spawn(c, argv, NULL, c->null_fd, c->null_fd, false, c->errcap_fd, &m);
        if (rc != 0) {
            lc_error_set(c->err, rc, "cannot run the shell '%s' (use -N to run without one): %s",
                         p->shell, lc_strerror(rc));
            goto out;
        }
        if (m.interrupted || interrupted(c)) {
            rc = lc_error_set(c->err, LC_EINTR, "interrupted");
            goto out;
        }
        if (m.exit_code != 0) {
            read_tail(c, c->out->stderr_tail, sizeof(c->out->stderr_tail));
            rc = lc_error_set(c->err, LC_ESYS,
                              "the shell '%s' failed to run an empty command (exit code %d); use "
                              "-N to run without a shell",
                              p->shell, m.exit_code);
            goto out;
        }
        if (i < 3)
            continue;
        w[i - 3] = (double)m.wall_ns;
        u[i - 3] = (double)m.user_ns;
        s[i - 3] = (double)m.sys_ns;
    }
    double mw, mu, ms;
    if (lc_stats_median(w, n, &mw) != 0 || lc_stats_median(u, n, &mu) != 0 ||
        lc_stats_median(s, n, &ms) != 0) {
        rc = oom(c);
        goto out;
    }
    c->out->shell_calibrated = true;
    c->out->shell_runs = n;
    c->out->shell_wall_ns = (uint64_t)mw;
    c->out->shell_user_ns = (uint64_t)mu;
    c->out->shell_sys_ns = (uint64_t)ms;
out:
    free(w);
    free(u);
    free(s);
    return rc;
}

/* Open /dev/null, the stderr capture and the output file. */
static int open_streams(struct ctx *c)
{
    const struct lc_bench_plan *p = c->plan;
    c->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (c->null_fd < 0)
        return lc_error_sys(c->err, errno, "cannot open /dev/null");
    if (p->output != LC_BENCH_OUTPUT_INHERIT) {
        c->errcap_fd = open(c->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (c->errcap_fd < 0) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/loadcell-stderr-XXXXXX", c->tmpdir);
            c->errcap_fd = mkostemp(path, O_CLOEXEC);
            if (c->errcap_fd < 0)
                return lc_error_sys(c->err, errno, "cannot create a temporary file in %s",
                                    c->tmpdir);
            unlink(path);
        }
    }
    if (p->output == LC_BENCH_OUTPUT_FILE) {
        if (!p->output_path)
            return lc_error_set(c->err, LC_EINVAL, "output to a file needs a path");
        c->out_fd = open(p->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->out_fd < 0)
            return lc_error_sys(c->err, errno, "cannot open --output file '%s'", p->output_path);
    }
    if (p->input_path) {
        int fd = open(p->input_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return lc_error_sys(c->err, errno, "cannot open --input '%s'", p->input_path);
        close(fd);
    }
    return 0;
}

/* Unique names: the spec's name or its command, with " #2" etc. on a repeat. */
static int make_names(struct ctx *c, char **names)
{
    const struct lc_bench_plan *p = c->plan;
    for (size_t i = 0; i < p->n_commands; i++) {
        const char *base = p->commands[i].name ? p->commands[i].name : p->commands[i].command;
        size_t len = strlen(base) + 24;
        names[i] = malloc(len);
        if (!names[i])
            return oom(c);
        snprintf(names[i], len, "%s", base);
        for (unsigned k = 2;; k++) {
            size_t j = 0;
            while (j < i && strcmp(names[j], names[i]) != 0)
                j++;
            if (j == i)
                break;
            snprintf(names[i], len, "%s #%u", base, k);
        }
    }
    return 0;
}

static int validate(const struct lc_bench_plan *p, struct lc_error *err)
{
    if (!p->commands || p->n_commands == 0)
        return lc_error_set(err, LC_EINVAL, "no command to benchmark");
    for (size_t i = 0; i < p->n_commands; i++)
        if (!p->commands[i].command || !p->commands[i].command[0])
            return lc_error_set(err, LC_EINVAL, "command %zu is empty", i + 1);
    if (p->shell && !p->shell[0])
        return lc_error_set(err, LC_EINVAL, "the shell name is empty");
    if (p->output == LC_BENCH_OUTPUT_FILE && (!p->output_path || !p->output_path[0]))
        return lc_error_set(err, LC_EINVAL, "output to a file needs a path");
    return 0;
}

int lc_bench_run(const struct lc_bench_plan *plan, const struct lc_bench_hooks *hooks,
                 struct lc_result *r, struct lc_bench_outcome *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    out->failed_exit_code = -1;
    struct ctx c = {
        .plan = plan,
        .hooks = hooks,
        .r = r,
        .out = out,
        .err = err,
        .null_fd = -1,
        .errcap_fd = -1,
        .out_fd = -1,
    };
    struct lc_error scratch = {0};
    if (!err)
        c.err = err = &scratch;
    int rc = validate(plan, err);
    if (rc != 0)
        return rc;
    const char *tmp = getenv("TMPDIR");
    c.tmpdir = tmp && tmp[0] ? tmp : "/tmp";
    size_t grid = 1;
    rc = lc_bench_grid_size(plan->scans, plan->n_scans, &grid, err);
    if (rc != 0)
        return rc;
    size_t n_points = grid * plan->n_commands;

    struct rusage self0, self1;
    getrusage(RUSAGE_SELF, &self0);
    uint64_t t0 = lc_clock_now_ns();
    r->start_wall_ns = lc_clock_wall_ns();

    char **names = calloc(plan->n_commands, sizeof(*names));
    size_t *vidx = calloc(plan->n_scans ? plan->n_scans : 1, sizeof(*vidx));
    struct lc_bench_kv *kv = calloc(plan->n_scans ? plan->n_scans : 1, sizeof(*kv));
    c.spawn_ns = calloc(SPAWN_SAMPLES, sizeof(*c.spawn_ns));
    if (!names || !vidx || !kv || !c.spawn_ns) {
        rc = oom(&c);
        goto out;
    }
    rc = make_names(&c, names);
    if (rc == 0)
        rc = open_streams(&c);
    if (rc == 0 && plan->shell)
        rc = calibrate_shell(&c);
    for (size_t ci = 0; rc == 0 && ci < plan->n_commands; ci++) {
        for (size_t g = 0; rc == 0 && g < grid; g++) {
            struct point pt = {
                .index = ci * grid + g,
                .name = names[ci],
                .kv = kv,
                .n_kv = plan->n_scans,
            };
            lc_bench_grid_point(plan->scans, plan->n_scans, g, vidx);
            for (size_t k = 0; k < plan->n_scans; k++)
                kv[k] = (struct lc_bench_kv){plan->scans[k].name, plan->scans[k].values[vidx[k]]};
            rc = fill_point(&c, &plan->commands[ci], &pt);
            if (rc == 0) {
                rc = lc_result_add_command(r, names[ci], pt.command, &pt.rc);
                for (size_t k = 0; rc == 0 && k < plan->n_scans; k++)
                    rc = lc_result_command_set_param(pt.rc, kv[k].key, kv[k].value);
                if (rc != 0)
                    rc = lc_error_set(err, rc, "cannot add to the result: %s", lc_strerror(rc));
            }
            if (rc == 0)
                rc = bench_point(&c, &pt, n_points);
            free_point(&pt);
        }
    }
out:
    getrusage(RUSAGE_SELF, &self1);
    /* The harness's own CPU: the process's, less what the caller's hooks spent. */
    r->gen_cpu_user_s = fmax(0, tv_s(&self1.ru_utime) - tv_s(&self0.ru_utime) - c.hook_user_s);
    r->gen_cpu_sys_s = fmax(0, tv_s(&self1.ru_stime) - tv_s(&self0.ru_stime) - c.hook_sys_s);
    r->end_wall_ns = lc_clock_wall_ns();
    r->duration_ns = lc_clock_now_ns() - t0;
    if (out->all_runs)
        out->harness_cpu_per_run_ns =
            (r->gen_cpu_user_s + r->gen_cpu_sys_s) * 1e9 / (double)out->all_runs;
    out->harness_rss_bytes = c.harness_rss;
    if (c.n_spawn) {
        double *tmpv = malloc(c.n_spawn * sizeof(*tmpv));
        double med;
        if (tmpv) {
            for (size_t i = 0; i < c.n_spawn; i++)
                tmpv[i] = (double)c.spawn_ns[i];
            if (lc_stats_median(tmpv, c.n_spawn, &med) == 0)
                out->spawn_median_ns = (uint64_t)med;
            free(tmpv);
        }
    }
    if (rc == 0 && out->shell_calibrated) {
        char a[32], b[32], d[32];
        int wrc = lc_result_add_warning(
            r,
            "wall, user and system times have the shell's start-up cost subtracted (%s -c '': "
            "%s wall, %s user, %s system; medians of %u runs)",
            plan->shell, lc_format_duration(out->shell_wall_ns, a, 32),
            lc_format_duration(out->shell_user_ns, b, 32),
            lc_format_duration(out->shell_sys_ns, d, 32), out->shell_runs);
        if (wrc != 0)
            rc = lc_error_set(err, wrc, "cannot add a warning: %s", lc_strerror(wrc));
    }
    if (rc != 0) {
        r->partial = true;
        out->partial = true;
        out->interrupted = rc == LC_EINTR;
        if (lc_result_set_str(&r->stop_reason, rc == LC_EINTR ? "interrupted" : err->msg) != 0) {
            /* The reason is optional; the error itself is still returned. */
        }
    }
    if (names)
        for (size_t i = 0; i < plan->n_commands; i++)
            free(names[i]);
    free(names);
    free(vidx);
    free(kv);
    free(c.spawn_ns);
    if (c.null_fd >= 0)
        close(c.null_fd);
    if (c.errcap_fd >= 0)
        close(c.errcap_fd);
    if (c.out_fd >= 0)
        close(c.out_fd);
    return rc;
}
