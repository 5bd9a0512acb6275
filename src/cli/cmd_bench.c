/* `loadcell bench CMD...`: command benchmarks, parameter scans, comparisons and scaling fits. */
#include "cli/cli.h"
#include "cli/live_bridge.h"
#include "cli/monitoring.h"
#include "cli/outputs.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/analysis.h"
#include "bench/bench.h"
#include "bench/expr.h"
#include "bench/metrics.h"
#include "bench/scan.h"
#include "build_info.h"
#include "core/clock.h"
#include "core/parse.h"
#include "results/result_json.h"
#include "results/threshold.h"

const char lc_cmd_bench_usage[] =
    "usage: loadcell bench [options] CMD...\n"
    "\n"
    "Benchmark commands: wall time, user and system CPU, peak memory, context\n"
    "switches, an artifact's size and metrics the command reports itself; scan\n"
    "parameters, fit how each grows, project it, and compare commands.\n"
    "\n"
    "Runs:\n"
    "  -w, --warmup N          untimed runs first (default 0)\n"
    "  -r, --runs N            exactly N timed runs\n"
    "  -m, --min-runs N        at least N runs (default 10) ...\n"
    "  -M, --max-runs N        ... at most N (default: no limit) ...\n"
    "      --min-time DUR      ... and more until they add up to DUR (default 3s)\n"
    "      --timeout DUR       kill a run (its process group) after DUR; it counts as failed\n"
    "  -i, --ignore-failure    keep benchmarking commands that exit non-zero\n"
    "Around the runs (each runs like the commands; {param} is substituted):\n"
    "  -s, --setup CMD         once per command and scan point, before its runs\n"
    "  -p, --prepare CMD       before every run (give one, or one per command)\n"
    "  -C, --conclude CMD      after every run (give one, or one per command)\n"
    "  -c, --cleanup CMD       once per command and scan point, after its runs\n"
    "Commands:\n"
    "  -n, --command-name NAME name the commands, in order\n"
    "  -S, --shell SHELL       run through SHELL -c (default sh); its start-up time is\n"
    "                          measured and subtracted; 'none' is -N\n"
    "  -N, --no-shell          run without a shell: the command line is split into\n"
    "                          words honouring quotes, nothing is expanded\n"
    "      --input FILE        the commands' stdin (default /dev/null)\n"
    "      --output WHERE      their stdout: null (default), pipe, inherit, or a FILE;\n"
    "                          stderr goes to inherit, else it is kept for error reports\n"
    "      --show-output       the same as --output inherit\n"
    "Scans and measures:\n"
    "      --scan NAME=VALUES  substitute {NAME}: a list (n=100,1000,10000), a range\n"
    "                          A..B:STEP or a geometric range A..B:xFACTOR (n=100..10000:x10);\n"
    "                          several --scan make a grid\n"
    "      --artifact PATH     record the size of a file or folder after each run\n"
    "      --derive 'NAME = EXPR'  a metric computed per run from others, e.g.\n"
    "                          'cost[USD] = tokens * 0.00002 / 1000' (+ - * / and parentheses)\n"
    "      --project NAME=VALUE    predict every fitted quantity at this parameter value\n"
    "      --threshold EXPR    judge the result, e.g. 'mean < 2s', 'mem_peak < 500MB',\n"
    "                          'cost < 0.2' (repeatable; exit code 1 when one fails)\n"
    "Output:\n"
    "  -o, --result FILE       write the Result JSON (kind bench; docs/result-schema.md)\n"
    "      --html FILE         write the HTML report (distributions, scaling plots)\n"
    "      --markdown FILE     write the Markdown report\n"
    "      --csv PREFIX        write PREFIX_stats.csv, _history.csv, _failures.csv\n"
    "      --history PATH      record the run in this history database\n"
    "                          (default .loadcell/history.db; see 'loadcell history')\n"
    "      --no-history        do not record the run (also: LOADCELL_NO_HISTORY=1)\n"
    "      --monitor           sample the benchmarked commands' process trees each\n"
    "                          100 ms (CPU, memory, threads: sut.* series in the Result)\n"
    "  -q, --quiet             no live progress line\n"
    "      --metrics ADDR:PORT     serve Prometheus metrics at http://ADDR:PORT/metrics: runs\n"
    "                          done and planned, wall times so far (docs/live.md)\n"
    "      --dashboard ADDR:PORT   a live web page with a Stop button (ends the bench after\n"
    "                          the run in progress; may share the --metrics address)\n"
    "      --metrics-linger DUR    keep serving the final figures this long after the end\n"
    "\n"
    "A command may write lines NAME=VALUE [UNIT] to the file named by $LOADCELL_METRICS\n"
    "(a fresh file for each run): they are collected per run and summarised, compared,\n"
    "fitted and projected like time. See docs/bench.md.\n"
    "\n"
    "Exit codes: 0 ok, 1 a threshold failed, 2 bad usage, 3 a command failed or could\n"
    "not run (its exit code and last stderr lines are shown), 130 interrupted (the partial\n"
    "result is still written).\n";

enum {
    OPT_MIN_TIME = 1000,
    OPT_TIMEOUT,
    OPT_INPUT,
    OPT_OUTPUT,
    OPT_SHOW_OUTPUT,
    OPT_SCAN,
    OPT_ARTIFACT,
    OPT_DERIVE,
    OPT_PROJECT,
    OPT_THRESHOLD,
    OPT_HTML,
    OPT_MARKDOWN,
    OPT_CSV,
    OPT_MONITOR,
    OPT_HELP,
};

static const struct option long_options[] = {
    {"warmup", required_argument, NULL, 'w'},
    {"runs", required_argument, NULL, 'r'},
    {"min-runs", required_argument, NULL, 'm'},
    {"max-runs", required_argument, NULL, 'M'},
    {"min-time", required_argument, NULL, OPT_MIN_TIME},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"ignore-failure", no_argument, NULL, 'i'},
    {"setup", required_argument, NULL, 's'},
    {"prepare", required_argument, NULL, 'p'},
    {"conclude", required_argument, NULL, 'C'},
    {"cleanup", required_argument, NULL, 'c'},
    {"command-name", required_argument, NULL, 'n'},
    {"shell", required_argument, NULL, 'S'},
    {"no-shell", no_argument, NULL, 'N'},
    {"input", required_argument, NULL, OPT_INPUT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"show-output", no_argument, NULL, OPT_SHOW_OUTPUT},
    {"scan", required_argument, NULL, OPT_SCAN},
    {"artifact", required_argument, NULL, OPT_ARTIFACT},
    {"derive", required_argument, NULL, OPT_DERIVE},
    {"project", required_argument, NULL, OPT_PROJECT},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"result", required_argument, NULL, 'o'},
    {"html", required_argument, NULL, OPT_HTML},
    {"monitor", no_argument, NULL, OPT_MONITOR},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {"csv", required_argument, NULL, OPT_CSV},
    {"history", required_argument, NULL, LC_CLI_OPT_HISTORY},
    {"no-history", no_argument, NULL, LC_CLI_OPT_NO_HISTORY},
    {"quiet", no_argument, NULL, 'q'},
    {"metrics", required_argument, NULL, LC_CLI_OPT_METRICS},
    {"dashboard", required_argument, NULL, LC_CLI_OPT_DASHBOARD},
    {"metrics-linger", required_argument, NULL, LC_CLI_OPT_METRICS_LINGER},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* A growable array of borrowed strings (argv elements). */
struct strs {
    const char **v;
    size_t n, cap;
};

static int strs_push(struct strs *s, const char *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        const char **p = realloc(s->v, cap * sizeof(*p));
        if (!p)
            return LC_ENOMEM;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

/* Everything the command line asked for; owns the parsed pieces. */
struct bench_args {
    struct lc_bench_plan plan;
    struct strs names, prepares, concludes, derive_texts, project_texts;
    struct lc_bench_command_spec *specs;
    struct lc_bench_scan *scans;
    size_t n_scans;
    struct lc_bench_derive *derives;
    size_t n_derives;
    struct lc_bench_project *projects;
    size_t n_projects;
    char **project_names;
    struct lc_threshold_list thresholds;
    const char *result_path;
    const char *html; /* reports, written with the Result (cli/outputs.h) */
    const char *markdown;
    const char *csv;
    struct lc_cli_history history; /* --history PATH, --no-history */
    int quiet;
    int monitor;             /* --monitor: sample the commands' process trees (our children) */
    struct lc_cli_live live; /* --metrics, --dashboard, --metrics-linger */
    int runs_given, minmax_given;
};

static void args_free(struct bench_args *a)
{
    free(a->names.v);
    free(a->prepares.v);
    free(a->concludes.v);
    free(a->derive_texts.v);
    free(a->project_texts.v);
    free(a->specs);
    for (size_t i = 0; i < a->n_scans; i++)
        lc_bench_scan_free(&a->scans[i]);
    free(a->scans);
    for (size_t i = 0; i < a->n_derives; i++)
        lc_bench_derive_free(&a->derives[i]);
    free(a->derives);
    for (size_t i = 0; i < a->n_projects; i++)
        free(a->project_names[i]);
    free(a->project_names);
    free(a->projects);
    lc_threshold_list_free(&a->thresholds);
}

/* Parse a count flag (>= lo) into *out; returns 0 or an exit code. */
static int count_arg(const char *flag, const char *s, uint64_t lo, uint64_t *out)
{
    struct lc_error err = {0};
    if (lc_parse_u64(s, out, &err) != 0 || *out < lo || *out > LC_RESULT_MAX_RUNS)
        return lc_cli_usage_error("bench", "%s must be a whole number from %llu to %u, not '%s'",
                                  flag, (unsigned long long)lo, LC_RESULT_MAX_RUNS, s);
    return 0;
}

static int add_scan(struct bench_args *a, const char *spec)
{
    struct lc_error err = {0};
    struct lc_bench_scan s;
    if (lc_bench_scan_parse(spec, &s, &err) != 0)
        return lc_cli_usage_error("bench", "%s", err.msg);
    struct lc_bench_scan *p = realloc(a->scans, (a->n_scans + 1) * sizeof(*p));
    if (!p) {
        lc_bench_scan_free(&s);
        return lc_cli_usage_error("bench", "out of memory");
    }
    a->scans = p;
    a->scans[a->n_scans++] = s;
    return 0;
}

/* After the flags: derive, project, scans and the command specs. Returns 0 or an exit code. */
static int finish_args(struct bench_args *a, int argc, char **argv)
{
    struct lc_bench_plan *p = &a->plan;
    struct lc_error err = {0};
    size_t n_cmds = (size_t)(argc - optind);
    if (n_cmds == 0)
        return lc_cli_usage_error("bench", "no command given, e.g. loadcell bench 'sleep 0.1'");
    if (a->names.n > n_cmds)
        return lc_cli_usage_error("bench", "%zu names (-n) for %zu commands", a->names.n, n_cmds);
    if (a->prepares.n > 1 && a->prepares.n != n_cmds)
        return lc_cli_usage_error("bench", "give one --prepare, or one per command (%zu), not %zu",
                                  n_cmds, a->prepares.n);
    if (a->concludes.n > 1 && a->concludes.n != n_cmds)
        return lc_cli_usage_error("bench", "give one --conclude, or one per command (%zu), not %zu",
                                  n_cmds, a->concludes.n);
    if (a->runs_given && a->minmax_given)
        return lc_cli_usage_error("bench", "-r fixes the run count: drop --min-runs/--max-runs");
    if (p->max_runs && p->min_runs > p->max_runs)
        return lc_cli_usage_error("bench", "--min-runs %llu is above --max-runs %llu",
                                  (unsigned long long)p->min_runs, (unsigned long long)p->max_runs);
    a->specs = calloc(n_cmds, sizeof(*a->specs));
    a->derives = calloc(a->derive_texts.n ? a->derive_texts.n : 1, sizeof(*a->derives));
    a->projects = calloc(a->project_texts.n ? a->project_texts.n : 1, sizeof(*a->projects));
    a->project_names = calloc(a->project_texts.n ? a->project_texts.n : 1, sizeof(char *));
    if (!a->specs || !a->derives || !a->projects || !a->project_names)
        return lc_cli_usage_error("bench", "out of memory");
    for (size_t i = 0; i < n_cmds; i++) {
        a->specs[i].command = argv[optind + (int)i];
        if (!a->specs[i].command[0])
            return lc_cli_usage_error("bench", "command %zu is empty", i + 1);
        a->specs[i].name = i < a->names.n ? a->names.v[i] : NULL;
        a->specs[i].prepare = a->prepares.n > 1 ? a->prepares.v[i] : NULL;
        a->specs[i].conclude = a->concludes.n > 1 ? a->concludes.v[i] : NULL;
    }
    p->prepare = a->prepares.n == 1 ? a->prepares.v[0] : NULL;
    p->conclude = a->concludes.n == 1 ? a->concludes.v[0] : NULL;
    p->commands = a->specs;
    p->n_commands = n_cmds;
    for (size_t i = 0; i < a->derive_texts.n; i++) {
        if (lc_bench_derive_parse(a->derive_texts.v[i], &a->derives[i], &err) != 0)
            return lc_cli_usage_error("bench", "%s", err.msg);
        a->n_derives = i + 1;
    }
    p->derives = a->derives;
    p->n_derives = a->n_derives;
    size_t grid;
    if (lc_bench_grid_size(a->scans, a->n_scans, &grid, &err) != 0)
        return lc_cli_usage_error("bench", "%s", err.msg);
    p->scans = a->scans;
    p->n_scans = a->n_scans;
    for (size_t k = 0; k < a->n_scans; k++) {
        const char *name = a->scans[k].name;
        bool used = lc_bench_mentions(p->setup, name) || lc_bench_mentions(p->prepare, name) ||
                    lc_bench_mentions(p->conclude, name) || lc_bench_mentions(p->cleanup, name) ||
                    lc_bench_mentions(p->artifact, name);
        for (size_t i = 0; i < n_cmds; i++)
            used = used || lc_bench_mentions(a->specs[i].command, name) ||
                   lc_bench_mentions(a->specs[i].prepare, name) ||
                   lc_bench_mentions(a->specs[i].conclude, name);
        if (!used)
            return lc_cli_usage_error("bench", "--scan %s: no command mentions {%s}", name, name);
    }
    for (size_t i = 0; i < a->project_texts.n; i++) {
        const char *t = a->project_texts.v[i];
        const char *eq = strchr(t, '=');
        double v;
        size_t k = 0;
        if (!eq || lc_bench_parse_number(eq + 1, &v) != 0 || !(v > 0))
            return lc_cli_usage_error(
                "bench", "--project '%s': expected NAME=VALUE with a number above 0", t);
        while (k < a->n_scans && (strlen(a->scans[k].name) != (size_t)(eq - t) ||
                                  strncmp(a->scans[k].name, t, (size_t)(eq - t)) != 0))
            k++;
        if (k == a->n_scans)
            return lc_cli_usage_error(
                "bench", "--project '%s': the name must be one of the --scan parameters", t);
        a->project_names[i] = strndup(t, (size_t)(eq - t));
        if (!a->project_names[i])
            return lc_cli_usage_error("bench", "%s", "out of memory");
        a->projects[i] = (struct lc_bench_project){a->project_names[i], v};
        a->n_projects = i + 1;
    }
    return 0;
}

/* Parse argv; returns 0, -1 after --help, or an exit code (usage errors printed). */
static int parse_args(int argc, char **argv, struct bench_args *a)
{
    struct lc_bench_plan *p = &a->plan;
    struct lc_error err = {0};
    lc_bench_plan_defaults(p);
    lc_threshold_list_init(&a->thresholds);
    optind = 1;
    opterr = 0;
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, ":w:r:m:M:is:p:C:c:n:S:No:q", long_options, NULL)) != -1) {
        switch (c) {
        case 'w':
            rc = count_arg("--warmup", optarg, 0, &p->warmup_runs);
            break;
        case 'r':
            rc = count_arg("--runs", optarg, 1, &p->runs);
            a->runs_given = 1;
            break;
        case 'm':
            rc = count_arg("--min-runs", optarg, 1, &p->min_runs);
            a->minmax_given = 1;
            break;
        case 'M':
            rc = count_arg("--max-runs", optarg, 1, &p->max_runs);
            a->minmax_given = 1;
            break;
        case OPT_MIN_TIME:
            if (lc_parse_duration_ns(optarg, &p->min_time_ns, &err) != 0)
                rc = lc_cli_usage_error("bench", "--min-time: %s", err.msg);
            break;
        case OPT_TIMEOUT:
            if (lc_parse_duration_ns(optarg, &p->timeout_ns, &err) != 0)
                rc = lc_cli_usage_error("bench", "--timeout: %s", err.msg);
            else if (p->timeout_ns == 0)
                rc = lc_cli_usage_error("bench", "--timeout must be longer than 0");
            break;
        case 'i':
            p->ignore_failure = true;
            break;
        case 's':
            p->setup = optarg;
            break;
        case 'p':
            rc = strs_push(&a->prepares, optarg);
            break;
        case 'C':
            rc = strs_push(&a->concludes, optarg);
            break;
        case 'c':
            p->cleanup = optarg;
            break;
        case 'n':
            rc = strs_push(&a->names, optarg);
            break;
        case 'S':
            p->shell = strcmp(optarg, "none") == 0 ? NULL : optarg;
            if (p->shell && !p->shell[0])
                rc = lc_cli_usage_error("bench", "--shell needs a program (or 'none')");
            break;
        case 'N':
            p->shell = NULL;
            break;
        case OPT_INPUT:
            p->input_path = optarg;
            if (access(optarg, R_OK) != 0)
                rc = lc_cli_usage_error("bench", "--input '%s' cannot be read", optarg);
            break;
        case OPT_OUTPUT:
            p->output_path = NULL;
            if (strcmp(optarg, "null") == 0)
                p->output = LC_BENCH_OUTPUT_NULL;
            else if (strcmp(optarg, "pipe") == 0)
                p->output = LC_BENCH_OUTPUT_PIPE;
            else if (strcmp(optarg, "inherit") == 0)
                p->output = LC_BENCH_OUTPUT_INHERIT;
            else if (!optarg[0])
                rc = lc_cli_usage_error("bench",
                                        "--output needs null, pipe, inherit or a file name");
            else {
                p->output = LC_BENCH_OUTPUT_FILE;
                p->output_path = optarg;
            }
            break;
        case OPT_SHOW_OUTPUT:
            p->output = LC_BENCH_OUTPUT_INHERIT;
            break;
        case OPT_SCAN:
            rc = add_scan(a, optarg);
            break;
        case OPT_ARTIFACT:
            p->artifact = optarg;
            if (!optarg[0])
                rc = lc_cli_usage_error("bench", "--artifact needs a path");
            break;
        case OPT_DERIVE:
            rc = strs_push(&a->derive_texts, optarg);
            break;
        case OPT_PROJECT:
            rc = strs_push(&a->project_texts, optarg);
            break;
        case OPT_THRESHOLD:
            if (lc_threshold_list_add(&a->thresholds, optarg, LC_THRESHOLD_BENCH, false, &err) != 0)
                rc = lc_cli_usage_error("bench", "%s", err.msg);
            break;
        case 'o':
            a->result_path = optarg;
            break;
        case OPT_HTML:
            a->html = optarg;
            break;
        case OPT_MONITOR:
            a->monitor = 1;
            break;
        case OPT_MARKDOWN:
            a->markdown = optarg;
            break;
        case OPT_CSV:
            a->csv = optarg;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case OPT_HELP:
            fputs(lc_cmd_bench_usage, stdout);
            return -1;
        default: /* ':' (a missing value) or '?' (an unknown option) */
            if (lc_cli_history_option(&a->history, c, optarg))
                break;
            int live = lc_cli_live_option(&a->live, c, optarg, &err);
            if (live < 0)
                return lc_cli_usage_error("bench", "%s", err.msg);
            if (live)
                break;
            return lc_cli_option_error("bench", c, argv);
        }
        if (rc == LC_ENOMEM)
            return lc_cli_usage_error("bench", "out of memory");
        if (rc != 0)
            return rc;
    }
    return finish_args(a, argc, argv);
}

/* ---- Formatting ---------------------------------------------------------------------- */

struct unit {
    const char *name;
    double scale; /* multiply the base value by this */
};

static struct unit time_unit(double s)
{
    if (s >= 1)
        return (struct unit){"s", 1};
    if (s >= 1e-3)
        return (struct unit){"ms", 1e3};
    if (s >= 1e-6)
        return (struct unit){"µs", 1e6};
    return (struct unit){"ns", 1e9};
}

static struct unit byte_unit(double b)
{
    if (b >= 1024.0 * 1024 * 1024)
        return (struct unit){"GB", 1.0 / (1024.0 * 1024 * 1024)};
    if (b >= 1024.0 * 1024)
        return (struct unit){"MB", 1.0 / (1024.0 * 1024)};
    if (b >= 1024.0)
        return (struct unit){"KB", 1.0 / 1024};
    return (struct unit){"B", 1};
}

/* v in unit u with about four significant digits of ref (so a mean and its spread align). */
static char *fmt_ref(double v, double ref, struct unit u, char *buf, size_t size)
{
    double ax = fabs(ref * u.scale);
    int prec = ax >= 1000 ? 0 : ax >= 100 ? 1 : ax >= 10 ? 2 : 3;
    if (strcmp(u.name, "B") == 0)
        prec = 0;
    snprintf(buf, size, "%.*f %s", prec, v * u.scale, u.name);
    return buf;
}

static char *fmt_in(double v, struct unit u, char *buf, size_t size)
{
    return fmt_ref(v, v, u, buf, size);
}

/* The unit family of a quantity, chosen by a reference value. */
static struct unit qty_unit(const struct lc_bench_qty_summary *q, double ref)
{
    switch (q->kind) {
    case LC_BENCH_QTY_WALL:
    case LC_BENCH_QTY_USER:
    case LC_BENCH_QTY_SYS:
        return time_unit(ref);
    case LC_BENCH_QTY_MAX_RSS:
    case LC_BENCH_QTY_ARTIFACT:
        return byte_unit(ref);
    default:
        return (struct unit){q->unit ? q->unit : "", 0};
    }
}

/* A value of quantity q in the unit picked for ref. */
static char *fmt_q(const struct lc_bench_qty_summary *q, double v, double ref, char *buf,
                   size_t size)
{
    struct unit u = qty_unit(q, ref);
    if (u.scale == 0) {
        /* Plain numbers: whole above 1000 ("30000", not "3e+04"), else 4 digits. */
        double av = fabs(ref);
        if (av >= 1000 && av < 1e15)
            snprintf(buf, size, "%.0f%s%s", v, u.name[0] ? " " : "", u.name);
        else
            snprintf(buf, size, "%.4g%s%s", v, u.name[0] ? " " : "", u.name);
        return buf;
    }
    return fmt_in(v, u, buf, size);
}

static const char *qty_label(const struct lc_bench_qty_summary *q)
{
    switch (q->kind) {
    case LC_BENCH_QTY_WALL:
        return "time";
    case LC_BENCH_QTY_MAX_RSS:
        return "max RSS";
    case LC_BENCH_QTY_ARTIFACT:
        return "artifact";
    default:
        return q->name;
    }
}

static char *fmt_p(double p, char *buf, size_t size)
{
    if (p < 1e-4)
        snprintf(buf, size, "p < 0.0001");
    else
        snprintf(buf, size, "p = %.2g", p);
    return buf;
}

/* ---- Live progress (stderr, TTY only) ------------------------------------------------ */

struct progress {
    int live;
    struct lc_live_bridge *bridge; /* --metrics / --dashboard, or NULL */
    uint64_t last_ns;
    struct lc_result *r;
    size_t warnings_shown;
};

static void progress_clear(struct progress *pg)
{
    if (pg->live) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static void progress_run(struct progress *pg, const struct lc_bench_event *ev)
{
    uint64_t now = lc_clock_now_ns();
    if (now - pg->last_ns < 50 * LC_NS_PER_MS)
        return;
    pg->last_ns = now;
    char est[32] = "", eta[32] = "";
    uint64_t planned = ev->runs_min;
    if (ev->warmup) {
        fprintf(stderr, "\r\033[K  [%zu/%zu] warm-up %llu", ev->point + 1, ev->n_points,
                (unsigned long long)ev->run);
        fflush(stderr);
        return;
    }
    double mean = ev->run ? ev->wall_sum_s / (double)ev->run : 0;
    if (ev->min_time_ns && mean > 0) {
        double want = ceil((double)ev->min_time_ns / 1e9 / mean);
        if (want > (double)planned)
            planned = want > (double)ev->runs_max ? ev->runs_max : (uint64_t)want;
    }
    if (planned < ev->run)
        planned = ev->run;
    fmt_in(mean, time_unit(mean), est, sizeof(est));
    double left = mean * (double)(planned - ev->run);
    snprintf(eta, sizeof(eta), "%d:%02d", (int)(left / 60), (int)fmod(left, 60));
    int width = 24, fill = planned ? (int)((double)width * (double)ev->run / (double)planned) : 0;
    char bar[128];
    size_t at = 0;
    for (int i = 0; i < width; i++) {
        const char *cell = i < fill ? "█" : "░";
        size_t cl = strlen(cell);
        memcpy(bar + at, cell, cl);
        at += cl;
    }
    bar[at] = '\0';
    fprintf(stderr, "\r\033[K  [%zu/%zu] %s %llu/%llu runs  current estimate %s  ETA %s",
            ev->point + 1, ev->n_points, bar, (unsigned long long)ev->run,
            (unsigned long long)planned, est, eta);
    fflush(stderr);
}

/* ---- The summary ----------------------------------------------------------------------- */

static void print_warnings_since(struct progress *pg)
{
    for (size_t i = pg->warnings_shown; i < pg->r->n_warnings; i++)
        printf("  Warning: %s\n", pg->r->warnings[i]);
    pg->warnings_shown = pg->r->n_warnings;
}

/* The block of one command at one scan point, hyperfine style. */
static void print_point(const struct lc_bench_cmd_stats *st, size_t point, size_t n_points)
{
    const struct lc_result_bench_command *c = st->cmd;
    char params[512], a[48], b[48], d[48], e[48];
    lc_bench_params_label(c, params, sizeof(params));
    if (n_points > 1)
        printf("Benchmark %zu/%zu: %s", point + 1, n_points, c->name);
    else
        printf("Benchmark: %s", c->name);
    if (params[0])
        printf("  (%s)", params);
    putchar('\n');
    if (strcmp(c->name, c->command) != 0)
        printf("  Command:             %s\n", c->command);
    if (st->n_q == 0) {
        printf("  (no runs)\n");
        return;
    }
    const struct lc_bench_qty_summary *t = lc_bench_cmd_stats_find(st, "time");
    double m = t->s.mean;
    struct unit u = time_unit(m);
    printf("  Time (mean ± σ):     %s ± %s", fmt_in(m, u, a, 48), fmt_ref(t->s.stdev, m, u, b, 48));
    if (t->has_ci)
        printf("    [%.0f%% CI %s … %s]", t->mean_ci.level * 100,
               fmt_ref(t->mean_ci.lo, m, u, d, 48), fmt_ref(t->mean_ci.hi, m, u, e, 48));
    putchar('\n');
    printf("  Range (min … max):   %s … %s    %zu run%s", fmt_ref(t->s.min, m, u, a, 48),
           fmt_ref(t->s.max, m, u, b, 48), st->n_runs, st->n_runs == 1 ? "" : "s");
    if (st->n_failed)
        printf(" (%zu failed)", st->n_failed);
    putchar('\n');
    const struct lc_bench_qty_summary *us = lc_bench_cmd_stats_find(st, "user");
    const struct lc_bench_qty_summary *sy = lc_bench_cmd_stats_find(st, "sys");
    if (us && sy) {
        double big = us->s.mean > sy->s.mean ? us->s.mean : sy->s.mean;
        struct unit cu = time_unit(big > 0 ? big : m);
        printf("  User / System:       %s / %s (mean)\n", fmt_ref(us->s.mean, big, cu, a, 48),
               fmt_ref(sy->s.mean, big, cu, b, 48));
    }
    const struct lc_bench_qty_summary *rss = lc_bench_cmd_stats_find(st, "max_rss");
    if (rss) {
        struct unit bu = byte_unit(rss->s.mean);
        double rm = rss->s.mean;
        printf("  Max RSS (mean ± σ):  %s ± %s    range %s … %s\n", fmt_in(rm, bu, a, 48),
               fmt_ref(rss->s.stdev, rm, bu, b, 48), fmt_ref(rss->s.min, rm, bu, d, 48),
               fmt_ref(rss->s.max, rm, bu, e, 48));
    }
    const struct lc_bench_qty_summary *v = lc_bench_cmd_stats_find(st, LC_BENCH_METRIC_VCSW);
    const struct lc_bench_qty_summary *iv = lc_bench_cmd_stats_find(st, LC_BENCH_METRIC_IVCSW);
    if (v && iv)
        printf("  Context switches:    %.1f voluntary, %.1f involuntary (mean per run)\n",
               v->s.mean, iv->s.mean);
    const struct lc_bench_qty_summary *art = lc_bench_cmd_stats_find(st, "artifact");
    if (art) {
        struct unit bu = byte_unit(art->s.mean);
        printf("  Artifact:            %s", fmt_in(art->s.mean, bu, a, 48));
        if (art->s.max > art->s.min)
            printf(" (range %s … %s)", fmt_in(art->s.min, bu, b, 48),
                   fmt_in(art->s.max, bu, d, 48));
        if (art->n < st->n_runs)
            printf(", missing after %zu runs", st->n_runs - art->n);
        putchar('\n');
    }
    for (size_t i = 0; i < st->n_q; i++) {
        const struct lc_bench_qty_summary *q = &st->q[i];
        if (q->kind != LC_BENCH_QTY_METRIC || q->builtin)
            continue;
        char label[40];
        snprintf(label, sizeof(label), "%s:", q->name);
        printf("  %-20s %s ± %s", label, fmt_q(q, q->s.mean, q->s.mean, a, 48),
               fmt_q(q, q->s.stdev, q->s.mean, b, 48));
        if (q->has_ci)
            printf("    [%.0f%% CI %s … %s]", q->mean_ci.level * 100,
                   fmt_q(q, q->mean_ci.lo, q->s.mean, d, 48),
                   fmt_q(q, q->mean_ci.hi, q->s.mean, e, 48));
        if (q->n < st->n_runs)
            printf("  (%zu of %zu runs)", q->n, st->n_runs);
        putchar('\n');
    }
}

static void on_event(const struct lc_bench_event *ev, void *ctx)
{
    struct progress *pg = ctx;
    lc_live_bridge_on_bench_event(pg->bridge, ev, pg->r);
    if (ev->kind == LC_BENCH_EV_RUN) {
        if (pg->live)
            progress_run(pg, ev);
        return;
    }
    if (ev->kind != LC_BENCH_EV_POINT_DONE)
        return;
    progress_clear(pg);
    struct lc_bench_cmd_stats st;
    struct lc_error err = {0};
    struct lc_bench_analysis_opts o = {.resamples = 2000};
    if (lc_bench_analyze_command(ev->command, &o, &st, &err) == 0) {
        print_point(&st, ev->point, ev->n_points);
        lc_bench_cmd_stats_free(&st);
    }
    print_warnings_since(pg);
    putchar('\n');
    fflush(stdout);
}

/* Comparisons of commands at equal parameters: "A ran 2.31 ± 0.05 times faster than B". */
static void print_comparisons(const struct lc_result *r, const struct lc_bench_analysis *an)
{
    size_t last_base = SIZE_MAX;
    for (size_t i = 0; i < an->n_cmp; i++) {
        const struct lc_bench_comparison *c = &an->cmp[i];
        const struct lc_result_bench_command *base = r->commands[c->base];
        const struct lc_result_bench_command *other = r->commands[c->other];
        char params[256], p[32];
        if (c->base != last_base) {
            lc_bench_params_label(base, params, sizeof(params));
            printf("Summary%s%s%s\n  '%s' ran\n", params[0] ? " (at " : "", params,
                   params[0] ? ")" : "", base->name);
            last_base = c->base;
        }
        double est = c->ratio.estimate, half = (c->ratio.hi - c->ratio.lo) / 2;
        char sig[160] = "";
        if (c->has_mw)
            snprintf(sig, sizeof(sig), "; Mann–Whitney %s, effect r = %.2f%s",
                     fmt_p(c->mw.p_two_sided, p, sizeof(p)), fabs(c->mw.rank_biserial),
                     c->mw.p_two_sided >= 0.05 ? ", not significant" : "");
        if (c->kind == LC_BENCH_QTY_WALL) {
            printf("    %5.2f ± %.2f times faster than '%s'\n", est, half, other->name);
            printf("          [%.0f%% CI %.2f … %.2f%s]\n", c->ratio.level * 100, c->ratio.lo,
                   c->ratio.hi, sig);
        } else {
            /* Memory and artifact ratios only when they differ (time always, metrics always). */
            if (c->kind != LC_BENCH_QTY_METRIC && c->ratio.lo <= 1 && c->ratio.hi >= 1)
                continue;
            const char *what = c->kind == LC_BENCH_QTY_MAX_RSS    ? "max RSS"
                               : c->kind == LC_BENCH_QTY_ARTIFACT ? "artifact size"
                                                                  : c->name;
            printf("    %s: '%s' is %.2f ± %.2f × '%s'  [%.0f%% CI %.2f … %.2f%s]\n", what,
                   other->name, est, half, base->name, c->ratio.level * 100, c->ratio.lo,
                   c->ratio.hi, sig);
        }
    }
    if (an->n_cmp)
        putchar('\n');
}

/* Does fit b belong to the same table as fit a (same command, parameter and fixed values)? */
static bool same_slice(const struct lc_bench_fit *a, const struct lc_bench_fit *b)
{
    return strcmp(a->group, b->group) == 0 && strcmp(a->param, b->param) == 0 &&
           ((!a->fixed && !b->fixed) || (a->fixed && b->fixed && strcmp(a->fixed, b->fixed) == 0));
}

#define FIT_COLS  5  /* quantities per table row */
#define FIT_LABEL 18 /* width of the row labels */
#define FIT_WIDTH 20 /* width of a column */

/* Characters (not bytes) of a UTF-8 string. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad(const char *s, size_t width)
{
    fputs(s, stdout);
    size_t n = utf8_len(s);
    for (size_t k = n; k < width || k < n + 2; k++)
        putchar(' ');
}

/* One table row: a label, then the cells, padded by characters so that "R²" and "→" align. */
static void fit_row(const char *label, char cells[][64], size_t n)
{
    fputs("  ", stdout);
    pad(label, FIT_LABEL);
    for (size_t k = 0; k < n; k++) {
        if (k + 1 < n)
            pad(cells[k], FIT_WIDTH);
        else
            fputs(cells[k], stdout);
    }
    putchar('\n');
}

/* The index of parameter value x in fit f, or f->n_points when absent. */
static size_t fit_index(const struct lc_bench_fit *f, double x)
{
    size_t i = 0;
    while (i < f->n_points && f->x[i] != x)
        i++;
    return i;
}

/* A table of the fits f[0..n) of one slice (at most FIT_COLS quantities). */
static void print_fit_table(const struct lc_bench_fit *f, size_t n)
{
    char cells[FIT_COLS][64], label[96];
    struct lc_bench_qty_summary qs[FIT_COLS];
    for (size_t k = 0; k < n; k++) {
        qs[k] =
            (struct lc_bench_qty_summary){.kind = f[k].kind, .name = f[k].name, .unit = f[k].unit};
        snprintf(cells[k], 64, "%s", qty_label(&qs[k]));
    }
    fit_row("", cells, n);
    for (size_t k = 0; k < n; k++) {
        if (isfinite(f[k].fit.se_slope))
            snprintf(cells[k], 64, "%.2f ± %.2f", f[k].fit.slope, f[k].fit.se_slope);
        else
            snprintf(cells[k], 64, "%.2f", f[k].fit.slope);
    }
    fit_row("exponent", cells, n);
    for (size_t k = 0; k < n; k++)
        snprintf(cells[k], 64, "%.3f", f[k].fit.r2);
    fit_row("R²", cells, n);
    for (size_t k = 0; k < n; k++) {
        const char *v = lc_bench_scaling_verdict(f[k].fit.slope);
        bool poor = f[k].fit.r2 < 0.8 && strcmp(v, "constant") != 0;
        snprintf(cells[k], 64, "%s%s", v, poor ? " (poor fit)" : "");
    }
    fit_row("verdict", cells, n);
    /* Rows: the union of the fits' parameter values (a max RSS fit may lack the points at
     * the harness floor). */
    double xs[64];
    size_t nx = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < f[k].n_points; i++) {
            size_t at = 0;
            while (at < nx && xs[at] < f[k].x[i])
                at++;
            if ((at < nx && xs[at] == f[k].x[i]) || nx == 64)
                continue;
            memmove(xs + at + 1, xs + at, (nx - at) * sizeof(*xs));
            xs[at] = f[k].x[i];
            nx++;
        }
    }
    for (size_t j = 0; j < nx; j++) {
        char x[32];
        lc_bench_format_number(xs[j], x, sizeof(x));
        snprintf(label, sizeof(label), "%s = %s", f[0].param, x);
        for (size_t k = 0; k < n; k++) {
            size_t i = fit_index(&f[k], xs[j]);
            if (i < f[k].n_points)
                fmt_q(&qs[k], f[k].y[i], f[k].y[i], cells[k], 64);
            else
                snprintf(cells[k], 64, "%s", f[k].kind == LC_BENCH_QTY_MAX_RSS ? "≤ floor" : "-");
        }
        fit_row(label, cells, n);
    }
    printf("  efficiency (size ratio ÷ metric ratio per step; 1 is linear, above 1 scales "
           "better)\n");
    for (size_t j = 0; j + 1 < nx; j++) {
        char a[32], b[32];
        lc_bench_format_number(xs[j], a, sizeof(a));
        lc_bench_format_number(xs[j + 1], b, sizeof(b));
        snprintf(label, sizeof(label), "%s → %s", a, b);
        for (size_t k = 0; k < n; k++) {
            size_t i = fit_index(&f[k], xs[j]);
            if (i + 1 < f[k].n_points && f[k].x[i + 1] == xs[j + 1])
                snprintf(cells[k], 64, "%.2f", f[k].efficiency[i]);
            else
                snprintf(cells[k], 64, "-");
        }
        fit_row(label, cells, n);
    }
    if (!f[0].has_projection)
        return;
    char x[32];
    lc_bench_format_number(f[0].project_x, x, sizeof(x));
    snprintf(label, sizeof(label), "%s = %s", f[0].param, x);
    printf("  projected (%.0f%% prediction interval for one run)\n", f[0].projection.level * 100);
    for (size_t k = 0; k < n; k++) {
        if (f[k].has_projection)
            fmt_q(&qs[k], f[k].projection.value, f[k].projection.value, cells[k], 64);
        else
            snprintf(cells[k], 64, "-");
    }
    fit_row(label, cells, n);
    for (size_t k = 0; k < n; k++) {
        char lo[48], hi[48];
        double v = f[k].projection.value;
        if (f[k].has_projection)
            snprintf(cells[k], 64, "%s…%s", fmt_q(&qs[k], f[k].projection.lo, v, lo, 48),
                     fmt_q(&qs[k], f[k].projection.hi, v, hi, 48));
        else
            snprintf(cells[k], 64, "(needs 3 runs)");
    }
    fit_row("", cells, n);
}

/* Scaling fits, one table per command and parameter: exponents, R², verdicts, per-point
 * means, the efficiency of each step and the projections. */
static void print_fits(const struct lc_bench_analysis *an)
{
    for (size_t i = 0; i < an->n_fits;) {
        const struct lc_bench_fit *f = &an->fits[i];
        size_t n = 1;
        while (i + n < an->n_fits && same_slice(f, &an->fits[i + n]))
            n++;
        printf("Scaling of '%s' in %s%s%s (%zu points, %zu runs; log–log least squares)\n",
               f->group, f->param, f->fixed ? " at " : "", f->fixed ? f->fixed : "", f->n_points,
               f->n_obs);
        for (size_t k = 0; k < n; k += FIT_COLS) {
            print_fit_table(f + k, n - k < FIT_COLS ? n - k : FIT_COLS);
            putchar('\n');
        }
        i += n;
    }
}

static void print_harness(const struct lc_bench_outcome *o)
{
    char a[48], b[48], d[48];
    if (o->all_runs) {
        double sp = (double)o->spawn_median_ns / 1e9, cpu = o->harness_cpu_per_run_ns / 1e9;
        printf(
            "Harness: posix_spawn %s per run (median, inside each wall time); loadcell's own "
            "CPU %s per process; its RSS %s (the floor of Max RSS)\n",
            fmt_in(sp, time_unit(sp), a, 48), fmt_in(cpu, time_unit(cpu), b, 48),
            fmt_in((double)o->harness_rss_bytes, byte_unit((double)o->harness_rss_bytes), d, 48));
    }
}

/* ---- The command ----------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    if (interrupted)
        _exit(LC_EXIT_INTERRUPTED);
    interrupted = 1;
}

/* Evaluate the thresholds into r and print them; returns 1 when one failed. */
static int judge(const struct bench_args *a, struct lc_result *r)
{
    const struct lc_threshold_list *l = &a->thresholds;
    if (l->n == 0)
        return 0;
    struct lc_threshold_outcome *outs = calloc(l->n, sizeof(*outs));
    struct lc_error err = {0};
    if (!outs) {
        fprintf(stderr, "loadcell: out of memory\n");
        return 1;
    }
    int rc = lc_threshold_list_eval(l, r, outs, &err);
    printf("Thresholds\n");
    for (size_t i = 0; i < l->n; i++) {
        char line[512];
        printf("  %s\n", lc_threshold_format(l->items[i], &outs[i], line, sizeof(line)));
    }
    putchar('\n');
    free(outs);
    if (rc < 0) {
        char line[1024];
        fprintf(stderr, "loadcell: %s\n", lc_error_format(&err, line, sizeof(line)));
        return 1;
    }
    return rc;
}

/* Write the asked-for files; record the run in the history when `record` (it ran, maybe cut short).
 */
static int write_result(const struct bench_args *a, const struct lc_result *r, bool record)
{
    struct lc_cli_outputs o = {a->result_path, a->html, a->markdown, a->csv,
                               record ? &a->history : NULL};
    return lc_cli_outputs_write(&o, r) ? -1 : 0;
}

static void print_failure(const struct lc_error *err, const struct lc_bench_outcome *o,
                          const struct bench_args *a)
{
    char line[1024];
    fprintf(stderr, "loadcell: %s\n", lc_error_format(err, line, sizeof(line)));
    if (o->stderr_tail[0]) {
        fprintf(stderr, "  last lines of its stderr:\n");
        const char *p = o->stderr_tail;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(stderr, "  | %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
    } else if (o->failed_exit_code >= 0 && a->plan.output == LC_BENCH_OUTPUT_INHERIT) {
        fprintf(stderr, "  (its stderr is shown above)\n");
    } else if (o->failed_exit_code >= 0) {
        fprintf(stderr, "  (it wrote nothing to stderr)\n");
    }
}

int lc_cmd_bench(int argc, char **argv);

int lc_cmd_bench(int argc, char **argv)
{
    struct bench_args args;
    memset(&args, 0, sizeof(args));
    int rc = parse_args(argc, argv, &args);
    if (rc != 0) {
        args_free(&args);
        return rc < 0 ? 0 : rc;
    }
    struct lc_error err = {0};
    struct lc_cli_outputs outs = {args.result_path, args.html, args.markdown, args.csv, NULL};
    if (lc_cli_outputs_check(&outs, &err) != 0) {
        args_free(&args);
        return lc_cli_fail(&err);
    }
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    if (lc_result_set_str(&r.tool_version, LC_VERSION_STRING) != 0 ||
        lc_result_set_str(&r.tool_commit, LC_COMMIT_STRING) != 0 ||
        lc_result_set_str(
            &r.name, args.plan.n_commands == 1 && args.specs[0].name
                         ? args.specs[0].name
                         : (args.plan.n_commands == 1 ? args.specs[0].command : "bench")) != 0 ||
        lc_result_set_argv(&r, argc + 1, argv - 1) != 0 || lc_host_probe(&r.host, &err) != 0) {
        lc_result_free(&r);
        args_free(&args);
        fprintf(stderr, "loadcell: out of memory\n");
        return LC_EXIT_RUNTIME;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct progress pg = {
        .live = !args.quiet && isatty(STDERR_FILENO),
        .r = &r,
    };
    struct lc_bench_hooks hooks = {.on_event = on_event, .ctx = &pg, .interrupted = &interrupted};
    struct lc_bench_outcome outcome;
    /* --monitor watches loadcell's own process tree: every benchmarked command is a
     * descendant, so its CPU and memory are in the sut.* series (loadcell's own small
     * share included: it is idle in wait4 while a command runs). */
    struct lc_cli_watch watch = {0};
    struct lc_cli_watch_spec ws = {.pid = (int)getpid(), .interval_ns = 100 * 1000000ULL};
    uint64_t t0 = lc_clock_now_ns();
    if (args.monitor && lc_cli_watch_start(&ws, &interrupted, &watch, &err) != 0) {
        lc_result_free(&r);
        args_free(&args);
        return lc_cli_fail(&err);
    }
    if (args.live.metrics || args.live.dashboard) {
        char target[256];
        if (args.plan.n_commands == 1)
            snprintf(target, sizeof(target), "%s", args.specs[0].command);
        else
            snprintf(target, sizeof(target), "%zu commands", args.plan.n_commands);
        struct lc_live_bridge_options lo = {.metrics = args.live.metrics,
                                            .dashboard = args.live.dashboard,
                                            .command = "bench",
                                            .target = target,
                                            .thresholds = &args.thresholds,
                                            .monitor = watch.mon,
                                            .interrupted = &interrupted};
        if (lc_live_bridge_start(&lo, &pg.bridge, &err) != 0) {
            lc_cli_watch_free(&watch);
            lc_result_free(&r);
            args_free(&args);
            return lc_cli_fail(&err);
        }
    }
    rc = lc_bench_run(&args.plan, &hooks, &r, &outcome, &err);
    if (args.monitor && lc_cli_watch_finish(&watch, t0, &r) != 0 && rc == 0)
        rc = lc_error_set(&err, LC_ENOMEM, "out of memory for the monitor's series");
    lc_cli_watch_free(&watch);
    progress_clear(&pg);
    int exit_code = LC_EXIT_OK;
    if (rc != 0) {
        print_failure(&err, &outcome, &args);
        exit_code = lc_exit_code_for(rc);
        if (exit_code == LC_EXIT_USAGE)
            exit_code = LC_EXIT_RUNTIME; /* the flags were fine: the run failed */
        if (rc == LC_EINTR)
            exit_code = LC_EXIT_INTERRUPTED;
    } else {
        struct lc_bench_analysis an;
        struct lc_bench_analysis_opts o = {
            .projects = args.projects,
            .n_projects = args.n_projects,
            .rss_floor_bytes = outcome.harness_rss_bytes,
        };
        if (lc_bench_analyze(&r, &o, &an, &err) == 0) {
            print_comparisons(&r, &an);
            print_fits(&an);
        } else {
            char line[1024];
            fprintf(stderr, "loadcell: %s\n", lc_error_format(&err, line, sizeof(line)));
        }
        lc_bench_analysis_free(&an);
        print_harness(&outcome);
        print_warnings_since(&pg);
        putchar('\n');
        if (judge(&args, &r) != 0)
            exit_code = LC_EXIT_FAILED;
    }
    fflush(stdout);
    lc_live_bridge_finish_result(pg.bridge, &r);
    if (write_result(&args, &r, rc == 0 || rc == LC_EINTR) != 0 && exit_code == LC_EXIT_OK)
        exit_code = LC_EXIT_RUNTIME;
    lc_live_bridge_close(pg.bridge, args.live.linger_ns);
    lc_result_free(&r);
    args_free(&args);
    return exit_code;
}
