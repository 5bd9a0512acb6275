/* `loadcell run SCENARIO.yaml`: the phases of a scenario file as one run, one Result. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/scan.h"
#include "build_info.h"
#include "cli/live_bridge.h"
#include "cli/monitoring.h"
#include "cli/outputs.h"
#include "cli/summary.h"
#include "config/scenario.h"
#include "core/clock.h"
#include "core/parse.h"
#include "core/rng.h"
#include "load/engine.h"
#include "load/to_result.h"
#include "monitor/growth.h"
#include "net/http1_request.h"
#include "net/url.h"
#include "results/result_json.h"
#include "results/threshold.h"

const char lc_cmd_run_usage[] =
    "usage: loadcell run SCENARIO.yaml [--only NAME]... [--set PATH=VALUE]... [options]\n"
    "\n"
    "Run the scenarios of a scenario file (docs/scenarios.md) in order, as the\n"
    "phases of one run: warmup / steady / peak / spike / stress / breakpoint, in\n"
    "the closed model (users, ramps of users) or the open model (an arrival\n"
    "rate, ramps of rate), with a weighted request mix, checks and thresholds.\n"
    "Then the file's benchmarks, if any. An https:// target takes its TLS options\n"
    "(cacert, insecure, cert, key, min_version) from a top-level `tls:` mapping.\n"
    "\n"
    "  --only NAME            run only this scenario or benchmark (repeatable)\n"
    "  --set PATH=VALUE       override any value of the file (repeatable), e.g.\n"
    "                         --set target=http://127.0.0.1:9000\n"
    "                         --set scenarios.steady.duration=20s\n"
    "  -t, --threads N        worker threads (default: the number of cores)\n"
    "  -o, --output FILE      write the Result JSON (overrides output.json)\n"
    "      --html FILE        write the HTML report (overrides output.html)\n"
    "      --markdown FILE    write the Markdown report (overrides output.markdown)\n"
    "      --csv PREFIX       write PREFIX_stats.csv, _history.csv, _failures.csv\n"
    "      --history PATH     record the run in this history database\n"
    "                         (default .loadcell/history.db; see 'loadcell history')\n"
    "      --no-history       do not record the run (also: LOADCELL_NO_HISTORY=1)\n"
    "  -q, --quiet            no live progress line\n"
    "      --seed N           seed for arrivals, think times and the request mix\n"
    "      --graceful-stop DUR  on Ctrl-C, wait this long for requests in flight (5s)\n"
    "      --metrics ADDR:PORT    serve Prometheus metrics at http://ADDR:PORT/metrics\n"
    "                         during the run (docs/live.md)\n"
    "      --dashboard ADDR:PORT  a live web page with a Stop button and a form that\n"
    "                         changes the users or rate of the running phase (may\n"
    "                         share the --metrics address)\n"
    "      --metrics-linger DUR   keep serving the final figures this long after the run\n"
    "\n"
    "Exit codes: 0 ran and every threshold passed, 1 a threshold failed (or an\n"
    "abort threshold stopped the run), 2 the file is invalid (FILE:LINE:COL: why),\n"
    "3 could not run, 130 interrupted (the partial result is still written).\n";

#define MAX_LIST 64
/* stop_when must hold this many whole seconds in a row before a search ends: one noisy
 * second (a GC pause, a slow disk flush) must not end a breakpoint search. */
#define STOP_WHEN_SECONDS 2
/* An interval at least this long is a whole second: the engine ticks every second from a
 * phase's start; a phase's last, shorter interval and the drain after a stop are not. */
#define WHOLE_SECOND_S 0.999

struct run_args {
    const char *file;
    const char *only[MAX_LIST];
    size_t n_only;
    const char *sets[MAX_LIST];
    size_t n_sets;
    const char *output;
    const char *html;
    const char *markdown;
    const char *csv;
    struct lc_cli_history history; /* --history PATH, --no-history */
    int quiet;
    uint32_t threads;
    uint64_t seed;
    uint64_t graceful_ns;
    struct lc_cli_live live; /* --metrics, --dashboard, --metrics-linger */
};

/*
 * The stop_when search of one phase, judged on whole seconds only. A level is
 * the phase's target at the end of a second: requests/s (open model) or users
 * (closed model).
 */
struct bp_state {
    int streak;          /* whole seconds in a row in which stop_when held */
    double streak_level; /* the level at the end of the streak's first second */
    int have_held;       /* a whole second in which stop_when did not hold was seen */
    double held_level;   /* the level at the end of the last such second */
    int found;           /* stop_when held STOP_WHEN_SECONDS in a row: the search ended */
    double failed_level; /* when found: the level at the end of the streak's first second */
};

/* What the tick hook needs while the run goes on. */
struct run_watch {
    const struct lc_load_plan *plan;
    const struct lc_scenario *scn;
    struct lc_threshold_list *aborts; /* abort: true thresholds */
    const uint64_t *abort_after_ns;   /* per item of aborts: first judged at this elapsed time */
    struct lc_threshold **stop_when;  /* per plan phase, NULL when none */
    struct bp_state *bp;              /* per plan phase */
    /* Scratch for result_so_far: the running phase's recorders plus the second just
     * ended (plan->request_count + 1 of them; allocated when there are abort thresholds). */
    struct lc_recorder *so_far;
    int live;
    struct lc_live_bridge *bridge; /* --metrics / --dashboard, or NULL */
    char reason[512];              /* why the hook stopped the run; "" while it has not */
    int aborted;                   /* an abort threshold failed */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    if (interrupted)
        _exit(LC_EXIT_INTERRUPTED); /* results are written by rename: complete or absent */
    interrupted = 1;
}

enum {
    OPT_ONLY = 1000,
    OPT_SET,
    OPT_SEED,
    OPT_GRACEFUL,
    OPT_HTML,
    OPT_MARKDOWN,
    OPT_CSV,
    OPT_HELP
};

static const struct option long_options[] = {
    {"only", required_argument, NULL, OPT_ONLY},
    {"set", required_argument, NULL, OPT_SET},
    {"threads", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'},
    {"html", required_argument, NULL, OPT_HTML},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {"csv", required_argument, NULL, OPT_CSV},
    {"quiet", no_argument, NULL, 'q'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"graceful-stop", required_argument, NULL, OPT_GRACEFUL},
    {"metrics", required_argument, NULL, LC_CLI_OPT_METRICS},
    {"dashboard", required_argument, NULL, LC_CLI_OPT_DASHBOARD},
    {"metrics-linger", required_argument, NULL, LC_CLI_OPT_METRICS_LINGER},
    {"history", required_argument, NULL, LC_CLI_OPT_HISTORY},
    {"no-history", no_argument, NULL, LC_CLI_OPT_NO_HISTORY},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
    struct lc_error err = {0};
    uint64_t u;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->threads = cores > 0 ? (uint32_t)cores : 1;
    a->seed = lc_rng_entropy();
    a->graceful_ns = 5 * LC_NS_PER_SEC;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":t:o:q", long_options, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case OPT_ONLY:
            if (a->n_only == MAX_LIST)
                return lc_cli_usage_error("run", "at most %d --only", MAX_LIST);
            a->only[a->n_only++] = optarg;
            break;
        case OPT_SET:
            if (a->n_sets == MAX_LIST)
                return lc_cli_usage_error("run", "at most %d --set", MAX_LIST);
            if (!strchr(optarg, '='))
                return lc_cli_usage_error("run", "--set needs PATH=VALUE, not '%s'", optarg);
            a->sets[a->n_sets++] = optarg;
            break;
        case 't':
            rc = lc_parse_u64(optarg, &u, &err);
            if (rc == 0 && (u < 1 || u > 1024))
                return lc_cli_usage_error("run", "-t must be 1..1024, not %s", optarg);
            a->threads = (uint32_t)u;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case OPT_SEED:
            rc = lc_parse_u64(optarg, &a->seed, &err);
            break;
        case OPT_HTML:
            a->html = optarg;
            break;
        case OPT_MARKDOWN:
            a->markdown = optarg;
            break;
        case OPT_CSV:
            a->csv = optarg;
            break;
        case OPT_GRACEFUL:
            rc = lc_parse_duration_ns(optarg, &a->graceful_ns, &err);
            break;
        case OPT_HELP:
            fputs(lc_cmd_run_usage, stdout);
            return -1;
        default: /* ':' (a missing value) or '?' (an unknown option) */
            if (lc_cli_history_option(&a->history, c, optarg))
                break;
            int live = lc_cli_live_option(&a->live, c, optarg, &err);
            if (live < 0)
                return lc_cli_usage_error("run", "%s", err.msg);
            if (live)
                break;
            return lc_cli_option_error("run", c, argv);
        }
        if (rc != 0)
            return lc_cli_usage_error("run", "%s", err.msg);
    }
    if (optind >= argc)
        return lc_cli_usage_error("run", "missing scenario file, e.g. loadcell run plan.yaml");
    if (optind + 1 < argc)
        return lc_cli_usage_error("run", "unexpected argument '%s'", argv[optind + 1]);
    a->file = argv[optind];
    return 0;
}

/* The scenario's requests, serialised once. */
static int build_requests(const struct lc_scenario *scn, const struct lc_url *url,
                          struct lc_load_plan *p, struct lc_error *err)
{
    char host[300];
    lc_url_host_header(url, host, sizeof(host));
    p->requests = calloc(scn->n_requests, sizeof(*p->requests));
    if (!p->requests)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    p->request_count = scn->n_requests;
    for (size_t i = 0; i < scn->n_requests; i++) {
        const struct lc_scenario_request *sr = &scn->requests[i];
        struct lc_load_request *r = &p->requests[i];
        const char *hdrs[MAX_LIST];
        char lines[MAX_LIST][512];
        size_t nh = sr->n_headers < MAX_LIST ? sr->n_headers : MAX_LIST;
        for (size_t k = 0; k < nh; k++) {
            snprintf(lines[k], sizeof(lines[k]), "%s: %s", sr->headers[k].name,
                     sr->headers[k].value);
            hdrs[k] = lines[k];
        }
        struct lc_http1_request_spec spec = {
            .method = sr->method,
            .target = sr->target,
            .host = host,
            .headers = hdrs,
            .header_count = nh,
            .body = sr->body,
            .body_len = sr->body_len,
        };
        snprintf(r->name, sizeof(r->name), "%s", sr->name);
        snprintf(r->method, sizeof(r->method), "%s", sr->method);
        r->weight = sr->weight;
        r->is_head = strcmp(sr->method, "HEAD") == 0;
        for (size_t k = 0; k < sr->n_expect_status && k < LC_EXPECT_MAX_STATUS; k++)
            r->expect_status[r->expect_status_count++] = sr->expect_status[k];
        if (sr->expect_body_contains) {
            r->expect_body_len = strlen(sr->expect_body_contains);
            if (r->expect_body_len > 256)
                return lc_error_set(err, LC_EINVAL,
                                    "request '%s': body_contains is longer than 256 bytes",
                                    sr->name);
            r->expect_body = strdup(sr->expect_body_contains);
            if (!r->expect_body)
                return lc_error_set(err, LC_ENOMEM, "out of memory");
        }
        int rc = lc_http1_request_build(&spec, 1, &r->batch, &r->batch_len, err);
        if (rc != 0)
            return rc;
        r->bytes = r->batch;
        r->len = r->batch_len;
    }
    return 0;
}

/* The scenario's phases become the plan's, stage by stage. */
static int build_plan(const struct lc_scenario *scn, const struct run_args *a,
                      struct lc_load_plan *p, struct lc_error *err)
{
    struct lc_url url;
    int rc = lc_url_parse(scn->target, &url, err);
    if (rc != 0)
        return rc;
    if (strcmp(url.scheme, "https") == 0) {
        const struct lc_tls_client_options tls = {.insecure = scn->tls.insecure,
                                                  .cacert = scn->tls.cacert,
                                                  .cert = scn->tls.cert,
                                                  .key = scn->tls.key,
                                                  .min_version = scn->tls.min_version};
        rc = lc_load_plan_set_tls(p, url.host, &tls, err);
        if (rc != 0)
            return rc;
    }
    snprintf(p->target, sizeof(p->target), "%s", scn->target);
    rc = lc_addr_resolve(url.host, url.port, &p->addrs, err);
    if (rc == 0)
        rc = build_requests(scn, &url, p, err);
    if (rc != 0)
        return rc;
    p->threads = a->threads;
    p->pipeline = 1;
    p->connect_timeout_ns = 3 * LC_NS_PER_SEC;
    p->graceful_stop_ns = a->graceful_ns;
    p->late_tolerance_ns = LC_NS_PER_MS;
    p->seed = a->seed;
    p->limits = lc_http1_default_limits;
    p->timeout_ns = scn->timeout_ns;
    for (size_t i = 0; i < scn->n_phases; i++) {
        const struct lc_scenario_phase *sp = &scn->phases[i];
        struct lc_load_phase *ph = lc_load_plan_add_phase(
            p, sp->name, sp->model == LC_SCENARIO_OPEN ? LC_MODEL_OPEN : LC_MODEL_CLOSED,
            sp->record);
        if (!ph)
            return lc_error_set(err, LC_ENOMEM, "out of memory");
        for (size_t k = 0; k < sp->n_stages; k++)
            if (lc_load_phase_add_stage(ph, sp->stages[k].duration_ns, sp->stages[k].from,
                                        sp->stages[k].target) != 0)
                return lc_error_set(err, LC_ENOMEM, "out of memory");
        ph->think_min_ns = sp->think_min_ns;
        ph->think_max_ns = sp->think_max_ns;
        if (sp->connections > p->connections)
            p->connections = sp->connections;
        if (sp->timeout_ns > p->timeout_ns)
            p->timeout_ns = sp->timeout_ns; /* one timeout per run: the longest asked */
    }
    return 0;
}

/*
 * A Result of what has been measured so far (for abort thresholds): a copy of
 * the outcome whose running phase gets its elapsed time as duration and, in
 * wt->so_far, its recorders with the second just ended merged in (the engine
 * merges that second into the phase only after the tick hook).
 */
static int result_so_far(const struct run_watch *wt, const struct lc_engine_progress *pr,
                         struct lc_result *r, struct lc_error *err)
{
    struct lc_engine_outcome copy = *pr->outcome;
    struct lc_engine_phase phases[64];
    lc_result_init(r, LC_RESULT_KIND_RUN); /* the caller frees it, also on failure */
    if (copy.phase_count > 64 || copy.phase_count == 0)
        return LC_ELIMIT;
    memcpy(phases, copy.phases, copy.phase_count * sizeof(phases[0]));
    struct lc_engine_phase *cur = &phases[copy.phase_count - 1];
    for (size_t k = 0; k < cur->nrec; k++) {
        lc_recorder_reset(&wt->so_far[k]);
        lc_recorder_merge(&wt->so_far[k], &cur->recs[k]);
        lc_recorder_merge(&wt->so_far[k], &pr->interval[k]);
    }
    cur->recs = wt->so_far;
    uint64_t elapsed = (uint64_t)(pr->elapsed_s * 1e9);
    cur->duration_ns = elapsed > cur->start_offset_ns ? elapsed - cur->start_offset_ns : 0;
    copy.phases = phases;
    copy.duration_ns = elapsed;
    return lc_load_fill_result(wt->plan, &copy, r, err);
}

/* The last interval alone, as a one-phase Result (for stop_when). */
static int result_of_interval(const struct run_watch *wt, const struct lc_engine_progress *pr,
                              struct lc_result *r, struct lc_error *err)
{
    struct lc_load_plan mini = *wt->plan;
    mini.phases = (struct lc_load_phase *)&wt->plan->phases[pr->phase_index];
    mini.phase_count = 1;
    struct lc_engine_phase ph = {0};
    snprintf(ph.name, sizeof(ph.name), "%s", pr->phase);
    ph.recorded = 1;
    ph.duration_ns = (uint64_t)(pr->last->interval_s * 1e9);
    ph.recs = (struct lc_recorder *)pr->interval;
    ph.nrec = wt->plan->request_count + 1;
    struct lc_engine_outcome o = {.phases = &ph, .phase_count = 1, .duration_ns = ph.duration_ns};
    lc_result_init(r, LC_RESULT_KIND_RUN);
    return lc_load_fill_result(&mini, &o, r, err);
}

/* A phase's level for messages: "450.0/s" (open) or "40 users" (closed). */
static const char *fmt_level(int open, double level, char *buf, size_t size)
{
    if (open)
        snprintf(buf, size, "%.1f/s", level);
    else
        snprintf(buf, size, "%.0f users", level);
    return buf;
}

/*
 * Breakpoint search: judge stop_when on each whole second of its phase; the
 * search ends (1: stop the run) when it has held STOP_WHEN_SECONDS seconds in
 * a row. A second without data for it (no response) neither holds nor breaks
 * a streak; a shorter interval is not judged.
 */
static int check_stop_when(struct run_watch *wt, const struct lc_engine_progress *pr)
{
    struct lc_threshold *t = wt->stop_when[pr->phase_index];
    if (!t || pr->last->interval_s < WHOLE_SECOND_S)
        return 0;
    struct bp_state *bp = &wt->bp[pr->phase_index];
    struct lc_result r;
    struct lc_error err = {0};
    struct lc_threshold_outcome o;
    int rc = result_of_interval(wt, pr, &r, &err);
    if (rc == 0)
        rc = lc_threshold_eval(t, &r, &o, &err);
    lc_result_free(&r);
    if (rc != 0)
        return 0; /* no data in the second: not a verdict */
    int open = wt->plan->phases[pr->phase_index].model == LC_MODEL_OPEN;
    double level = open ? pr->last->target_rate : pr->last->target_users;
    if (!o.holds) {
        bp->streak = 0;
        bp->have_held = 1;
        bp->held_level = level;
        return 0;
    }
    if (bp->streak++ == 0)
        bp->streak_level = level;
    if (bp->streak < STOP_WHEN_SECONDS)
        return 0;
    bp->found = 1;
    bp->failed_level = bp->streak_level;
    char why[256], at[32], held[48] = "since the phase's first second";
    if (bp->have_held) {
        char h[32];
        snprintf(held, sizeof(held), "last held %s", fmt_level(open, bp->held_level, h, sizeof(h)));
    }
    snprintf(wt->reason, sizeof(wt->reason),
             "stop_when held in '%s' %d s in a row from %s (%s): %s", pr->phase, STOP_WHEN_SECONDS,
             fmt_level(open, bp->failed_level, at, sizeof(at)), held,
             lc_threshold_explain(&o, why, sizeof(why)));
    return 1;
}

/*
 * Abort thresholds: each is judged at every tick from its abort_after on,
 * against the Result so far; the first that fails stops the run (1). The
 * drain after the last tick (an interval of no length) is not a tick.
 */
static int check_aborts(struct run_watch *wt, const struct lc_engine_progress *pr)
{
    if (!wt->aborts->n || pr->last->interval_s < 0.001)
        return 0;
    uint64_t elapsed_ns = (uint64_t)(pr->elapsed_s * 1e9 + 0.5);
    int due = 0;
    for (size_t i = 0; i < wt->aborts->n; i++)
        due |= elapsed_ns >= wt->abort_after_ns[i];
    if (!due)
        return 0;
    struct lc_result r;
    struct lc_error err = {0};
    int stop = 0;
    if (result_so_far(wt, pr, &r, &err) == 0) {
        for (size_t i = 0; i < wt->aborts->n && !stop; i++) {
            struct lc_threshold_outcome o;
            if (elapsed_ns < wt->abort_after_ns[i])
                continue;
            if (lc_threshold_eval(wt->aborts->items[i], &r, &o, &err) != 0)
                continue; /* no data yet for its scope */
            if (o.verdict == LC_RESULT_VERDICT_FAIL) {
                char why[256];
                snprintf(wt->reason, sizeof(wt->reason), "abort threshold '%s' failed at %.1fs: %s",
                         lc_threshold_text(wt->aborts->items[i]), pr->elapsed_s,
                         lc_threshold_explain(&o, why, sizeof(why)));
                wt->aborted = 1;
                stop = 1;
            }
        }
    }
    lc_result_free(&r);
    return stop;
}

static int on_tick(const struct lc_engine_progress *pr, void *ctx)
{
    struct run_watch *wt = ctx;
    if (wt->bridge)
        (void)lc_live_bridge_on_tick(pr, wt->bridge); /* always 0: it never stops the run */
    if (wt->live) {
        const struct lc_series_point *s = pr->last;
        char p50[32], p99[32];
        double rps = s->interval_s > 0 ? (double)s->requests / s->interval_s : 0;
        fprintf(stderr, "\r\033[K[%5.1fs/%.0fs] %-10s %8.0f req/s  p50 %-8s p99 %-8s errors %llu",
                pr->elapsed_s, pr->total_s, pr->phase, rps,
                lc_format_duration((uint64_t)s->p50_ns, p50, sizeof(p50)),
                lc_format_duration((uint64_t)s->p99_ns, p99, sizeof(p99)),
                (unsigned long long)pr->errors_total);
        fflush(stderr);
    }
    if (wt->reason[0])
        return 1; /* already stopping: what comes now (the drain) decides nothing */
    return check_stop_when(wt, pr) || check_aborts(wt, pr);
}

/* The file's benchmarks, into the same Result. */
static int run_benchmarks(const struct lc_scenario *scn, struct lc_result *r, struct lc_error *err)
{
    for (size_t i = 0; i < scn->n_benchmarks; i++) {
        const struct lc_scenario_benchmark *b = &scn->benchmarks[i];
        struct lc_bench_scan scans[16];
        size_t n_scans = 0;
        int rc = 0;
        for (size_t k = 0; k < b->n_scans && k < 16 && rc == 0; k++) {
            const struct lc_scenario_scan *sc = &b->scans[k];
            char spec[4096];
            size_t used = (size_t)snprintf(spec, sizeof(spec), "%s=", sc->name);
            if (sc->spec) {
                snprintf(spec + used, sizeof(spec) - used, "%s", sc->spec);
            } else {
                for (size_t v = 0; v < sc->n_values && used < sizeof(spec); v++)
                    used += (size_t)snprintf(spec + used, sizeof(spec) - used, "%s%s", v ? "," : "",
                                             sc->values[v]);
            }
            rc = lc_bench_scan_parse(spec, &scans[n_scans], err);
            if (rc == 0)
                n_scans++;
        }
        struct lc_bench_command_spec cmd = {.command = b->command, .name = b->name};
        struct lc_bench_plan plan;
        lc_bench_plan_defaults(&plan);
        plan.commands = &cmd;
        plan.n_commands = 1;
        plan.scans = scans;
        plan.n_scans = n_scans;
        plan.warmup_runs = b->warmup;
        plan.runs = b->runs;
        plan.prepare = b->prepare;
        plan.artifact = b->artifact;
        struct lc_bench_hooks hooks = {.interrupted = &interrupted};
        struct lc_bench_outcome out;
        memset(&out, 0, sizeof(out));
        if (rc == 0) {
            fprintf(stderr, "loadcell: benchmark '%s': %s\n", b->name, b->command);
            rc = lc_bench_run(&plan, &hooks, r, &out, err);
        }
        for (size_t k = 0; k < n_scans; k++)
            lc_bench_scan_free(&scans[k]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Print the benchmark figures of the Result (one line per command and point). */
static void print_benchmarks(const struct lc_result *r)
{
    if (!r->n_commands)
        return;
    printf("\n  benchmarks\n");
    for (size_t i = 0; i < r->n_commands; i++) {
        const struct lc_result_bench_command *c = r->commands[i];
        double sum = 0, peak = 0;
        for (size_t k = 0; k < c->n_runs; k++) {
            sum += (double)c->runs[k].wall_ns;
            if ((double)c->runs[k].max_rss_bytes > peak)
                peak = (double)c->runs[k].max_rss_bytes;
        }
        char params[256] = "";
        size_t used = 0;
        for (size_t k = 0; k < c->n_params && used < sizeof(params); k++)
            used += (size_t)snprintf(params + used, sizeof(params) - used, " %s=%s",
                                     c->params[k].key, c->params[k].value);
        char mean[32], rss[32];
        printf("    %-24s%-20s mean %-9s over %zu runs, max RSS %s\n", c->name, params,
               lc_format_duration(c->n_runs ? (uint64_t)(sum / (double)c->n_runs) : 0, mean,
                                  sizeof(mean)),
               c->n_runs, lc_format_bytes(peak, rss, sizeof(rss)));
    }
}

/* Judge every threshold of the file into the Result; 1 when one failed. */
static int judge(const struct lc_threshold_list *all, struct lc_result *r, struct lc_error *err)
{
    if (!all->n)
        return 0;
    struct lc_threshold_outcome *outs = calloc(all->n, sizeof(*outs));
    if (!outs)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    int rc = lc_threshold_list_eval(all, r, outs, err);
    if (rc >= 0) {
        printf("\n  thresholds\n");
        for (size_t i = 0; i < all->n; i++) {
            char line[512];
            printf("    %s\n", lc_threshold_format(all->items[i], &outs[i], line, sizeof(line)));
        }
    }
    free(outs);
    return rc;
}

/* --metrics / --dashboard: the endpoints, before the load (plan NULL: benchmarks only). */
static int start_live(const struct run_args *a, const struct lc_scenario *scn,
                      const struct lc_load_plan *plan, const struct lc_threshold_list *all,
                      struct lc_monitor *mon, struct lc_live_bridge **out, struct lc_error *err)
{
    if (!a->live.metrics && !a->live.dashboard)
        return 0;
    struct lc_live_bridge_options lo = {.metrics = a->live.metrics,
                                        .dashboard = a->live.dashboard,
                                        .command = "run",
                                        .plan = plan,
                                        .target = scn->target,
                                        .thresholds = all,
                                        .monitor = mon,
                                        .interrupted = &interrupted};
    return lc_live_bridge_start(&lo, out, err);
}

/* n initialised recorders into *out (free with free_recorders); 0 or LC_ENOMEM. */
static int alloc_recorders(struct lc_recorder **out, size_t n)
{
    struct lc_recorder *recs = calloc(n, sizeof(*recs));
    if (!recs)
        return LC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (lc_recorder_init(&recs[i]) != 0) {
            for (size_t k = 0; k < i; k++)
                lc_recorder_free(&recs[k]);
            free(recs);
            return LC_ENOMEM;
        }
    }
    *out = recs;
    return 0;
}

static void free_recorders(struct lc_recorder *recs, size_t n)
{
    for (size_t i = 0; recs && i < n; i++)
        lc_recorder_free(&recs[i]);
    free(recs);
}

static int fail_with(struct lc_error *err, int code_if_io)
{
    int rc = lc_cli_fail(err);
    return err->code == LC_EIO ? code_if_io : rc;
}

int lc_cmd_run(int argc, char **argv)
{
    struct run_args a = {0};
    struct lc_error err = {0};
    struct lc_scenario *scn = NULL;
    struct lc_load_plan plan = {0};
    struct lc_engine_outcome outcome = {0};
    struct lc_threshold_list all, aborts;
    struct lc_threshold **stop_when = NULL;
    struct bp_state *bp = NULL;
    uint64_t *abort_after_ns = NULL;
    struct run_watch wt = {0};
    struct lc_result r;
    struct lc_cli_watch watch = {0};
    struct lc_live_bridge *bridge = NULL;
    char *paths[4] = {NULL, NULL, NULL, NULL}; /* json, html, markdown, csv */
    lc_result_init(&r, LC_RESULT_KIND_RUN);
    lc_threshold_list_init(&all);
    lc_threshold_list_init(&aborts);
    int exit_code = parse_args(argc, argv, &a);
    if (exit_code != 0) {
        exit_code = exit_code < 0 ? 0 : exit_code;
        goto out;
    }
    struct lc_scenario_options opt = {
        .sets = a.sets, .n_sets = a.n_sets, .only = a.only, .n_only = a.n_only};
    if (lc_scenario_load_file(a.file, &opt, &scn, &err) != 0) {
        exit_code = fail_with(&err, LC_EXIT_USAGE); /* an unreadable file is a usage error */
        goto out;
    }
    /* Thresholds and stop conditions: compiled now, so a bad one stops nothing midway. */
    abort_after_ns = calloc(scn->n_thresholds ? scn->n_thresholds : 1, sizeof(*abort_after_ns));
    if (!abort_after_ns) {
        exit_code = lc_cli_fail(&(struct lc_error){.code = LC_ENOMEM});
        goto out;
    }
    for (size_t i = 0; i < scn->n_thresholds; i++) {
        const struct lc_scenario_expr *e = &scn->thresholds[i];
        if (e->skipped) {
            printf("  SKIP  %s (its scenario is left out by --only)\n", e->text);
            continue;
        }
        if (lc_threshold_list_add(&all, e->text, LC_THRESHOLD_ANY, e->abort, &err) != 0 ||
            (e->abort && lc_threshold_list_add(&aborts, e->text, LC_THRESHOLD_ANY, true, &err))) {
            lc_error_at(&err, e->loc.file, e->loc.line, e->loc.col + (err.col ? err.col - 1 : 0));
            exit_code = lc_cli_fail(&err);
            goto out;
        }
        if (e->abort)
            abort_after_ns[aborts.n - 1] = e->abort_after_ns;
    }
    stop_when = calloc(scn->n_phases ? scn->n_phases : 1, sizeof(*stop_when));
    bp = calloc(scn->n_phases ? scn->n_phases : 1, sizeof(*bp));
    if (!stop_when || !bp) {
        exit_code = lc_cli_fail(&(struct lc_error){.code = LC_ENOMEM});
        goto out;
    }
    for (size_t i = 0; i < scn->n_phases; i++) {
        const struct lc_scenario_expr *e = &scn->phases[i].stop_when;
        if (e->text && lc_threshold_parse(e->text, LC_THRESHOLD_LOAD, &stop_when[i], &err) != 0) {
            lc_error_at(&err, e->loc.file, e->loc.line, e->loc.col);
            exit_code = lc_cli_fail(&err);
            goto out;
        }
    }
    time_t now = time(NULL);
    /* Flags win over the file's output: templates ({name}, {timestamp}). */
    const char *flags[4] = {a.output, a.html, a.markdown, a.csv};
    const char *tmpls[4] = {scn->output.json, scn->output.html, scn->output.markdown,
                            scn->output.csv};
    for (int i = 0; i < 4; i++) {
        if (flags[i])
            paths[i] = strdup(flags[i]);
        else if (tmpls[i])
            paths[i] = lc_scenario_expand_output(tmpls[i], scn->name, now);
        if ((flags[i] || tmpls[i]) && !paths[i]) {
            exit_code = lc_cli_fail(&(struct lc_error){.code = LC_ENOMEM});
            goto out;
        }
    }
    struct lc_cli_outputs outputs = {paths[0], paths[1], paths[2], paths[3], &a.history};
    if (lc_cli_outputs_check(&outputs, &err) != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    if (lc_result_set_str(&r.tool_version, LC_VERSION_STRING) ||
        lc_result_set_str(&r.tool_commit, LC_COMMIT_STRING) ||
        lc_result_set_str(&r.name, scn->name) || lc_result_set_str(&r.scenario_path, a.file) ||
        lc_result_set_argv(&r, argc + 1, argv - 1) || lc_host_probe(&r.host, &err)) {
        exit_code = lc_cli_fail(&(struct lc_error){.code = LC_ENOMEM});
        goto out;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    wt.scn = scn;
    wt.aborts = &aborts;
    wt.abort_after_ns = abort_after_ns;
    wt.stop_when = stop_when;
    wt.bp = bp;
    if (scn->monitor.present) {
        struct lc_cli_watch_spec ws = {
            .pid = (int)scn->monitor.pid,
            .command = scn->monitor.command,
            .ready_url = scn->monitor.ready,
            .ready_timeout_ns = scn->monitor.ready_timeout_ns,
            .interval_ns = scn->monitor.interval_ns,
            .gpu = (int)scn->monitor.gpu, /* the same order as the monitor's modes */
        };
        if (lc_cli_watch_start(&ws, &interrupted, &watch, &err) != 0) {
            lc_error_at(&err, scn->monitor.loc.file, scn->monitor.loc.line, scn->monitor.loc.col);
            exit_code = lc_cli_fail(&err);
            goto out;
        }
    }
    if (scn->n_phases > 0) {
        if (build_plan(scn, &a, &plan, &err) != 0) {
            exit_code = lc_cli_fail(&err);
            goto out;
        }
        wt.plan = &plan;
        if (aborts.n && alloc_recorders(&wt.so_far, plan.request_count + 1) != 0) {
            exit_code = lc_cli_fail(&(struct lc_error){.code = LC_ENOMEM});
            goto out;
        }
        if (start_live(&a, scn, &plan, &all, watch.mon, &bridge, &err) != 0) {
            exit_code = lc_cli_fail(&err);
            goto out;
        }
        wt.bridge = bridge;
        wt.live = !a.quiet && isatty(STDERR_FILENO);
        struct lc_engine_hooks hooks = {.on_tick = on_tick,
                                        .ctx = &wt,
                                        .interrupted = &interrupted,
                                        .take_control =
                                            a.live.dashboard ? lc_live_bridge_take_control : NULL,
                                        .control_ctx = bridge};
        int rc = lc_engine_run(&plan, &hooks, &outcome, &err);
        if (wt.live)
            fputs("\r\033[K", stderr);
        if (rc != 0) {
            exit_code = lc_cli_fail(&err);
            goto out;
        }
        r.gen_cpu_user_s = outcome.gen_user_s;
        r.gen_cpu_sys_s = outcome.gen_sys_s;
        if (lc_load_fill_result(&plan, &outcome, &r, &err) != 0 ||
            lc_cli_watch_finish(&watch, outcome.start_mono_ns, &r) != 0) {
            exit_code = lc_cli_fail(&err);
            goto out;
        }
        /* The generator's CPU per recorded phase (a warning names each saturated one). */
        if (lc_monitor_gen_saturation_warn(&r, 0, NULL) != 0) {
            exit_code = lc_cli_fail(&(struct lc_error){.code = LC_ENOMEM});
            goto out;
        }
        /* The hook's reason, also when it spoke on the run's last tick (nothing was cut). */
        if (wt.reason[0] && lc_result_set_str(&r.stop_reason, wt.reason) != 0) {
            exit_code = LC_EXIT_RUNTIME;
            goto out;
        }
        r.partial = outcome.partial || (wt.aborted && outcome.stopped_by_hook);
        /* Breakpoint figures of open phases with stop_when: the rate of the last whole
         * second that held before the stop (0: none did) and the rate at which stop_when
         * began to hold for good (0: it never held STOP_WHEN_SECONDS in a row). */
        for (size_t i = 0; i < scn->n_phases && i < r.n_phases; i++) {
            if (!stop_when[i] || plan.phases[i].model != LC_MODEL_OPEN)
                continue;
            struct lc_result_phase *ph = r.phases[i];
            ph->breakpoint = true;
            ph->breakpoint_held_rps = bp[i].have_held ? bp[i].held_level : 0;
            ph->breakpoint_failed_rps = bp[i].found ? bp[i].failed_level : 0;
        }
    }
    if (!bridge && start_live(&a, scn, NULL, &all, watch.mon, &bridge, &err) != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    if (!interrupted && !wt.aborted && scn->n_benchmarks && run_benchmarks(scn, &r, &err) != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    if (r.n_phases) {
        lc_summary_print_load(stdout, &r);
        lc_summary_print_phases(stdout, &r);
    }
    print_benchmarks(&r);
    if (wt.reason[0])
        printf("\n  stopped: %s\n", wt.reason);
    int judged = judge(&all, &r, &err);
    fflush(stdout);
    lc_live_bridge_finish_result(bridge, &r);
    if (judged < 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    exit_code = judged || wt.aborted ? LC_EXIT_FAILED : LC_EXIT_OK;
    int wrote = lc_cli_outputs_write(&outputs, &r);
    if (wrote)
        exit_code = wrote;
    if (outcome.partial || interrupted)
        exit_code = LC_EXIT_INTERRUPTED;
    lc_live_bridge_close(bridge, a.live.linger_ns);
    bridge = NULL;
out:
    lc_live_bridge_close(bridge, 0);
    lc_cli_watch_free(&watch); /* stops a monitor.command target */
    for (int i = 0; i < 4; i++)
        free(paths[i]);
    if (stop_when) {
        for (size_t i = 0; scn && i < scn->n_phases; i++)
            lc_threshold_free(stop_when[i]);
        free(stop_when);
    }
    free(bp);
    free(abort_after_ns);
    free_recorders(wt.so_far, plan.request_count + 1);
    lc_threshold_list_free(&all);
    lc_threshold_list_free(&aborts);
    lc_result_free(&r);
    lc_engine_outcome_free(&outcome);
    lc_load_plan_free(&plan);
    lc_scenario_free(scn);
    return exit_code;
}
