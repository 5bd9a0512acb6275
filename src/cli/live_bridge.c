/* Live snapshots for the endpoints: engine progress (http, run), bench events, monitor samples,
 * and loadcell serve's counters. */
#include "cli/live_bridge.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/hdr.h"
#include "core/parse.h"
#include "core/stats.h"
#include "live/live.h"
#include "load/recorder.h"
#include "load/to_result.h"
#include "monitor/monitor.h"
#include "results/result.h"
#include "serve/server.h"
#include "serve/stats.h"

#define CONNECTION_NAME    "(connection)"       /* the recorder of connection-level failures */
#define MAX_TRACKED_PHASES 64                   /* result_so_far copies at most this many phases */
#define BENCH_PUBLISH_NS   (250 * LC_NS_PER_MS) /* bench: at most four publishes a second */

struct lc_live_bridge {
    struct lc_live *live;
    struct lc_live_snapshot *snap; /* the cumulative working copy, published each tick */
    const struct lc_load_plan *plan;
    const struct lc_threshold_list *thresholds;
    volatile sig_atomic_t *interrupted;
    struct lc_monitor *monitor;
    struct lc_monitor_snapshot *mon;       /* scratch for the monitor's latest sample */
    int stop_asked;                        /* atomic: set on the HTTP thread by the Stop button */
    uint32_t *req_index;                   /* plan request k -> snapshot request index */
    struct lc_hdr interval_lat, phase_lat; /* every request's latency: the interval, the phase */
    size_t phase;                          /* engine phase index of phase_lat */
    int have_phase;
    double cpu_s, cpu_wall_s; /* the generator's CPU and the clock at the last tick */
    /* bench and monitor (no plan): */
    uint64_t t0_ns;           /* when the bridge started: elapsed_s counts from here */
    uint64_t last_publish_ns; /* bench: publishes are throttled */
    uint64_t last_history_ns; /* bench: one history point a second */
    double *walls;            /* bench: scratch for the median, walls_cap entries */
    const struct lc_result_bench_command *bench_cmd; /* bench: the point of the last event */
    size_t walls_cap;
    /* Live control (a load run with a dashboard): POST /api/control on the HTTP thread
     * leaves a level here; the engine takes it at its next tick (take_control). */
    pthread_mutex_t ctl_lock;
    uint64_t ctl_t0_ns; /* under ctl_lock: the engine's start (known from the first tick) */
    int ctl_over;       /* under ctl_lock: the run has ended */
    int ctl_pending;    /* under ctl_lock: a level waits for the engine */
    size_t ctl_pending_phase;
    double ctl_level;
};

int lc_live_bridge_check_listen(const char *flag, const char *value, struct lc_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    struct lc_error e = {0};
    if (lc_live_parse_listen(value, &ss, &len, &e) != 0)
        return lc_error_set(err, LC_EINVAL, "%s %s", flag, e.msg);
    return 0;
}

int lc_cli_live_option(struct lc_cli_live *l, int opt, const char *arg, struct lc_error *err)
{
    struct lc_error e = {0};
    switch (opt) {
    case LC_CLI_OPT_METRICS:
        l->metrics = arg;
        return lc_live_bridge_check_listen("--metrics", arg, err) == 0 ? 1 : LC_EINVAL;
    case LC_CLI_OPT_DASHBOARD:
        l->dashboard = arg;
        return lc_live_bridge_check_listen("--dashboard", arg, err) == 0 ? 1 : LC_EINVAL;
    case LC_CLI_OPT_METRICS_LINGER:
        if (lc_parse_duration_ns(arg, &l->linger_ns, &e) != 0)
            return lc_error_set(err, LC_EINVAL, "--metrics-linger: %s", e.msg);
        return 1;
    default:
        return 0;
    }
}

static void on_stop(void *ctx)
{
    struct lc_live_bridge *b = ctx;
    __atomic_store_n(&b->stop_asked, 1, __ATOMIC_RELEASE);
}

/* What the running phase lets the dashboard set: its name and bounds (lc_engine_control_check). */
static const char *control_of(const struct lc_load_plan *plan, size_t phase, double *min,
                              double *max)
{
    const struct lc_load_phase *ph = &plan->phases[phase];
    if (ph->model == LC_MODEL_CLOSED) {
        *min = 1;
        *max = plan->connections;
        return "users";
    }
    *min = 0;
    *max = LC_ENGINE_CONTROL_RATE_FACTOR * ph->peak;
    return "rate";
}

/* POST /api/control (on the HTTP thread): check the value against the phase the engine's
 * next tick falls in and leave it for that tick. LC_EAGAIN: not now (the phase or the run
 * ends first); LC_EINVAL: a bad value. */
static int on_control(void *ctx, const char *name, const char *value, char *reply, size_t size)
{
    struct lc_live_bridge *b = ctx;
    pthread_mutex_lock(&b->ctl_lock);
    uint64_t t0 = b->ctl_t0_ns;
    int over = b->ctl_over;
    pthread_mutex_unlock(&b->ctl_lock);
    if (over) {
        snprintf(reply, size, "the run is over: nothing to change");
        return LC_EAGAIN;
    }
    /* Before the first tick the start is not known yet: the run is in its first second. */
    uint64_t now = lc_clock_now_ns();
    size_t phase;
    struct lc_error when = {0};
    if (lc_engine_control_when(b->plan, t0 && now > t0 ? now - t0 : 0, &phase, &when) != 0) {
        snprintf(reply, size, "%s", when.msg);
        return LC_EAGAIN;
    }
    double min, max;
    const char *want = control_of(b->plan, phase, &min, &max);
    const char *pname = b->plan->phases[phase].name;
    if (strcmp(name, want) != 0) {
        snprintf(reply, size, "phase '%s' is %s: set %s, not %s", pname,
                 strcmp(want, "users") == 0 ? "closed-model (users)" : "open-model (a rate)",
                 strcmp(want, "users") == 0 ? "users=N" : "rate=R (requests/s)", name);
        return LC_EINVAL;
    }
    char *end = NULL;
    double level = strtod(value, &end);
    if (!*value || *end || !isfinite(level)) {
        snprintf(reply, size, "%s '%.40s' is not a number", name, value);
        return LC_EINVAL;
    }
    struct lc_error e = {0};
    if (lc_engine_control_check(b->plan, phase, level, &e) != 0) {
        snprintf(reply, size, "%s", e.msg);
        return LC_EINVAL;
    }
    pthread_mutex_lock(&b->ctl_lock);
    b->ctl_pending = 1;
    b->ctl_pending_phase = phase;
    b->ctl_level = level;
    pthread_mutex_unlock(&b->ctl_lock);
    snprintf(reply, size, "%s=%g", name, level);
    return 0;
}

int lc_live_bridge_take_control(size_t phase, double *level, void *ctx)
{
    struct lc_live_bridge *b = ctx;
    int take = 0;
    pthread_mutex_lock(&b->ctl_lock);
    if (b->ctl_pending) {
        take = b->ctl_pending_phase == phase; /* asked for a phase that ended: dropped */
        *level = b->ctl_level;
        b->ctl_pending = 0;
    }
    pthread_mutex_unlock(&b->ctl_lock);
    return take;
}

/* The process's user + system CPU seconds. */
static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Resident memory of this process (from /proc/self/statm), NaN when unknown. */
static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    int n = f ? fscanf(f, "%llu %llu", &size, &resident) : 0;
    if (f)
        fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? (double)resident * (double)page : NAN;
}

static void free_bridge(struct lc_live_bridge *b)
{
    lc_live_stop(b->live); /* joins the HTTP threads: no on_control runs after this */
    pthread_mutex_destroy(&b->ctl_lock);
    lc_hdr_free(&b->interval_lat);
    lc_hdr_free(&b->phase_lat);
    free(b->req_index);
    free(b->walls);
    free(b->mon);
    free(b->snap);
    free(b);
}

int lc_live_bridge_start(const struct lc_live_bridge_options *opt, struct lc_live_bridge **out,
                         struct lc_error *err)
{
    *out = NULL;
    struct lc_live_bridge *b = calloc(1, sizeof(*b));
    if (!b)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    pthread_mutex_init(&b->ctl_lock, NULL);
    const struct lc_load_plan *plan = opt->plan;
    b->plan = plan;
    b->thresholds = opt->thresholds;
    b->interrupted = opt->interrupted;
    b->monitor = opt->monitor;
    b->mon = opt->monitor ? malloc(sizeof(*b->mon)) : NULL;
    b->snap = malloc(sizeof(*b->snap));
    b->req_index = calloc(plan ? plan->request_count + 1 : 1, sizeof(*b->req_index));
    if (!b->snap || !b->req_index || (b->monitor && !b->mon) ||
        lc_hdr_init_default(&b->interval_lat) != 0 || lc_hdr_init_default(&b->phase_lat) != 0) {
        free_bridge(b);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    struct lc_live_snapshot *s = b->snap;
    lc_live_snapshot_init(s);
    lc_live_copy_label(s->command, sizeof(s->command), opt->command);
    s->can_stop = opt->interrupted != NULL;
    if (plan) {
        lc_live_copy_label(s->target, sizeof(s->target), plan->target);
        s->has_load = 1;
        uint64_t total = lc_load_plan_duration(plan);
        s->total_s = total == UINT64_MAX ? 0 : (double)total / 1e9;
        /* Names in plan order, so the page lists phases ahead of time. */
        for (size_t i = 0; i < plan->phase_count; i++)
            (void)lc_live_phase_index(s, plan->phases[i].name);
        for (size_t k = 0; k < plan->request_count; k++)
            b->req_index[k] = lc_live_request_index(s, plan->requests[k].name);
    } else {
        lc_live_copy_label(s->target, sizeof(s->target), opt->target);
        s->total_s = opt->planned_s;
        s->has_bench = opt->command && strcmp(opt->command, "bench") == 0;
    }
    b->t0_ns = lc_clock_now_ns();
    for (size_t i = 0; opt->thresholds && i < opt->thresholds->n; i++) {
        if (s->n_thresholds == LC_LIVE_MAX_THRESHOLDS)
            break;
        struct lc_live_threshold *t = &s->thresholds[s->n_thresholds++];
        lc_live_copy_label(t->text, sizeof(t->text), lc_threshold_text(opt->thresholds->items[i]));
        t->verdict = LC_LIVE_PENDING;
    }
    s->gen_cpu_seconds = 0;
    b->cpu_s = cpu_seconds();
    b->cpu_wall_s = (double)lc_clock_now_ns() / 1e9;

    struct lc_live_options lo = {
        .metrics_listen = opt->metrics,
        .dashboard_listen = opt->dashboard,
        .on_stop = opt->interrupted ? on_stop : NULL,
        .on_control = plan && opt->dashboard ? on_control : NULL,
        .ctx = b,
    };
    int rc = lc_live_start(&lo, &b->live, err);
    if (rc != 0) {
        free_bridge(b);
        return rc;
    }
    lc_live_publish(b->live, s);
    if (lc_live_metrics_url(b->live))
        fprintf(stderr, "loadcell: Prometheus metrics at %s\n", lc_live_metrics_url(b->live));
    if (lc_live_dashboard_url(b->live))
        fprintf(stderr, "loadcell: live dashboard at %s\n", lc_live_dashboard_url(b->live));
    *out = b;
    return 0;
}

/* loadcell's own CPU since the last call, and its memory. */
static void sample_generator(struct lc_live_bridge *b)
{
    struct lc_live_snapshot *s = b->snap;
    double cpu = cpu_seconds(), wall = (double)lc_clock_now_ns() / 1e9;
    if (!isnan(cpu) && !isnan(b->cpu_s)) {
        s->gen_cpu_ratio = wall > b->cpu_wall_s ? (cpu - b->cpu_s) / (wall - b->cpu_wall_s) : NAN;
        s->gen_cpu_seconds += cpu - b->cpu_s;
    }
    b->cpu_s = cpu;
    b->cpu_wall_s = wall;
    s->gen_rss_bytes = rss_bytes();
}

/* The monitor's latest sample → the target, host and GPU gauges. */
static void resources_from_monitor(struct lc_live_snapshot *s, const struct lc_monitor_snapshot *m)
{
    if (m->sut_watched) {
        const struct lc_proctree_sample *t = &m->sut;
        s->has_target = 1;
        s->target_cpu_ratio = t->has_rates ? t->cpu_percent / 100 : NAN;
        s->target_rss_bytes = (double)t->rss_bytes;
        s->target_threads = (double)t->threads;
        s->target_fds = t->has_fds ? (double)t->fds : NAN;
        s->target_processes = (double)t->processes;
    }
    if (m->has_host) {
        const struct lc_monitor_host *h = &m->host;
        s->has_host = 1;
        s->host_cpu_ratio = h->has_cpu ? h->cpu_percent / 100 : NAN;
        s->host_mem_used_bytes = h->has_mem ? (double)h->mem_used_bytes : NAN;
        s->host_mem_available_bytes = h->has_mem ? (double)h->mem_available_bytes : NAN;
    }
    s->n_gpus = m->n_gpus < LC_LIVE_MAX_GPUS ? m->n_gpus : LC_LIVE_MAX_GPUS;
    for (uint32_t i = 0; i < s->n_gpus; i++) {
        const struct lc_gpu_reading *g = &m->gpus[i];
        s->gpus[i] = (struct lc_live_gpu){
            .index = g->index,
            .util_ratio = g->has_util ? g->util_percent / 100 : NAN,
            .mem_used_bytes = g->has_mem ? (double)g->mem_used_bytes : NAN,
            .power_watts = g->has_power ? g->power_watts : NAN,
            .temp_celsius = g->has_temp ? g->temp_celsius : NAN,
        };
    }
}

/* The error kind of a status answer, named as the Result names it (load/to_result.c). */
static void status_kind(const struct lc_load_request *req, int code, char *buf, size_t size)
{
    if (req && req->expect_status_count)
        snprintf(buf, size, "check failed: status %d", code);
    else
        snprintf(buf, size, "status_%d", code);
}

/* Add one recorder of the interval into the snapshot's cumulative rows. */
static void add_recorder(struct lc_live_bridge *b, uint32_t phase, size_t k,
                         const struct lc_recorder *rec)
{
    struct lc_live_snapshot *s = b->snap;
    int is_conn = k == b->plan->request_count;
    const struct lc_load_request *req = is_conn ? NULL : &b->plan->requests[k];
    if (rec->completed + rec->failed + rec->bytes_out == 0)
        return; /* nothing ended: no rows (and no "(connection)" name) */
    uint32_t rq = is_conn ? lc_live_request_index(s, CONNECTION_NAME) : b->req_index[k];
    for (int code = 0; code < LC_STATUS_MAX; code++)
        if (rec->status[code])
            lc_live_count_request(s, phase, rq, (unsigned)code, rec->status[code]);
    lc_live_count_request(s, phase, rq, 0, rec->failed);
    for (int f = 0; f < LC_FAIL_COUNT; f++)
        if (rec->fail[f] && f != LC_FAIL_MALFORMED)
            lc_live_count_error(s, phase, rq, lc_live_kind_index(s, lc_fail_kind_name(f)),
                                rec->fail[f]);
    for (int e = 0; e < LC_HTTP1_E_COUNT; e++)
        if (rec->malformed[e])
            lc_live_count_error(s, phase, rq, lc_live_kind_index(s, lc_malformed_name(e)),
                                rec->malformed[e]);
    for (int code = 0; code < LC_STATUS_MAX; code++) {
        if (!rec->status_failed[code])
            continue;
        char kind[48];
        status_kind(req, code, kind, sizeof(kind));
        lc_live_count_error(s, phase, rq, lc_live_kind_index(s, kind), rec->status_failed[code]);
    }
    if (rec->body_check_failed)
        lc_live_count_error(s, phase, rq, lc_live_kind_index(s, "check failed: body"),
                            rec->body_check_failed);
    struct lc_live_cell *c = lc_live_cell_get(s, phase, rq);
    if (!c)
        return;
    c->bytes_in += rec->bytes_in;
    c->bytes_out += rec->bytes_out;
    struct lc_hdr_iter it;
    lc_hdr_iter_init(&it, &rec->latency);
    while (lc_hdr_iter_next(&it))
        lc_live_cell_record_bucket_ns(c, it.value_from,
                                      lc_hdr_median_equivalent(&rec->latency, it.value_from),
                                      (uint64_t)it.count);
}

static void quantiles(const struct lc_hdr *h, struct lc_live_quantiles *q)
{
    q->valid = h->total_count > 0;
    if (!q->valid)
        return;
    q->p50_s = (double)lc_hdr_value_at_percentile(h, 50) / 1e9;
    q->p90_s = (double)lc_hdr_value_at_percentile(h, 90) / 1e9;
    q->p99_s = (double)lc_hdr_value_at_percentile(h, 99) / 1e9;
    q->p999_s = (double)lc_hdr_value_at_percentile(h, 99.9) / 1e9;
    q->max_s = (double)lc_hdr_max(h) / 1e9;
}

static int verdict_of(enum lc_result_verdict v)
{
    switch (v) {
    case LC_RESULT_VERDICT_PASS:
        return LC_LIVE_PASS;
    case LC_RESULT_VERDICT_WARN:
        return LC_LIVE_WARN;
    default:
        return LC_LIVE_FAIL;
    }
}

/* Judge every threshold on r; one that cannot be decided yet stays pending. */
static void judge(struct lc_live_bridge *b, const struct lc_result *r, int final)
{
    struct lc_live_snapshot *s = b->snap;
    for (uint32_t i = 0; i < s->n_thresholds; i++) {
        struct lc_live_threshold *t = &s->thresholds[i];
        struct lc_threshold_outcome o;
        struct lc_error err = {0};
        char why[LC_LIVE_TEXT_LEN];
        if (lc_threshold_eval(b->thresholds->items[i], r, &o, &err) != 0) {
            /* At the end, undecided counts as failed (as in the summary). */
            t->verdict = final ? LC_LIVE_FAIL : LC_LIVE_PENDING;
            lc_live_copy_label(t->detail, sizeof(t->detail), o.error);
            continue;
        }
        t->verdict = verdict_of(o.verdict);
        lc_live_copy_label(t->detail, sizeof(t->detail),
                           lc_threshold_explain(&o, why, sizeof(why)));
    }
}

/*
 * The thresholds on what has been measured so far: a copy of the outcome
 * whose running phase gets the elapsed time as its duration (the interval
 * being closed is not in it yet: at most a second behind).
 */
static void judge_so_far(struct lc_live_bridge *b, const struct lc_engine_progress *pr)
{
    if (!b->snap->n_thresholds || !pr->outcome || pr->outcome->phase_count == 0 ||
        pr->outcome->phase_count > MAX_TRACKED_PHASES)
        return;
    struct lc_engine_outcome copy = *pr->outcome;
    struct lc_engine_phase phases[MAX_TRACKED_PHASES];
    memcpy(phases, copy.phases, copy.phase_count * sizeof(phases[0]));
    struct lc_engine_phase *cur = &phases[copy.phase_count - 1];
    uint64_t elapsed = (uint64_t)(pr->elapsed_s * 1e9);
    cur->duration_ns = elapsed > cur->start_offset_ns ? elapsed - cur->start_offset_ns : 0;
    copy.phases = phases;
    copy.duration_ns = elapsed;
    struct lc_result r;
    struct lc_error err = {0};
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    if (lc_load_fill_result(b->plan, &copy, &r, &err) == 0)
        judge(b, &r, 0);
    lc_result_free(&r);
}

int lc_live_bridge_on_tick(const struct lc_engine_progress *pr, void *ctx)
{
    struct lc_live_bridge *b = ctx;
    struct lc_live_snapshot *s = b->snap;
    const struct lc_series_point *last = pr->last;
    const struct lc_load_plan *plan = b->plan;
    uint32_t phase = lc_live_phase_index(s, pr->phase);
    if (!b->have_phase || b->phase != pr->phase_index) {
        lc_hdr_reset(&b->phase_lat);
        b->phase = pr->phase_index;
        b->have_phase = 1;
    }
    lc_hdr_reset(&b->interval_lat);
    for (size_t k = 0; k <= plan->request_count; k++) {
        add_recorder(b, phase, k, &pr->interval[k]);
        lc_hdr_merge(&b->interval_lat, &pr->interval[k].latency);
    }
    lc_hdr_merge(&b->phase_lat, &b->interval_lat);
    s->phase = phase;
    if (lc_live_dashboard_url(b->live)) {
        pthread_mutex_lock(&b->ctl_lock);
        b->ctl_t0_ns = pr->outcome->start_mono_ns;
        pthread_mutex_unlock(&b->ctl_lock);
        /* What the page may change from now: the phase after this tick (the next one
         * when this tick ended a phase). Its last second still shows it; a change asked
         * then is refused with the reason (on_control). */
        size_t next = plan->phase_count;
        int ends_first =
            lc_engine_control_when(plan, (uint64_t)llround(pr->elapsed_s * 1e9), &next, NULL);
        (void)ends_first;
        if (next < plan->phase_count)
            lc_live_copy_label(s->control, sizeof(s->control),
                               control_of(plan, next, &s->control_min, &s->control_max));
        else
            s->control[0] = '\0';
    }
    quantiles(&b->interval_lat, &s->window_1s);
    quantiles(&b->phase_lat, &s->window_phase);

    s->elapsed_s = pr->elapsed_s;
    s->total_s = pr->total_s;
    const struct lc_load_phase *pp =
        pr->phase_index < plan->phase_count ? &plan->phases[pr->phase_index] : NULL;
    double start_s = 0;
    if (pr->outcome && pr->phase_index < pr->outcome->phase_count)
        start_s = (double)pr->outcome->phases[pr->phase_index].start_offset_ns / 1e9;
    s->phase_elapsed_s = pr->elapsed_s > start_s ? pr->elapsed_s - start_s : 0;
    s->phase_total_s = pp ? (double)pp->duration_ns / 1e9 : 0;

    int open = pp && pp->model == LC_MODEL_OPEN;
    double iv = last->interval_s;
    s->interval_s = iv;
    s->achieved_rate = iv > 0 ? (double)last->requests / iv : NAN;
    s->errors_per_s = iv > 0 ? (double)last->errors / iv : NAN;
    s->active_connections = last->active;
    s->active_users = open ? NAN : last->active;
    s->target_users = open ? NAN : last->target_users;
    s->target_rate = open ? last->target_rate : NAN;

    sample_generator(b);
    if (b->monitor && lc_monitor_latest(b->monitor, b->mon))
        resources_from_monitor(s, b->mon);

    struct lc_live_point p = {
        .t_s = pr->elapsed_s,
        .rps = s->achieved_rate,
        .target_rps = s->target_rate,
        .p50_s = s->window_1s.valid ? s->window_1s.p50_s : NAN,
        .p90_s = s->window_1s.valid ? s->window_1s.p90_s : NAN,
        .p99_s = s->window_1s.valid ? s->window_1s.p99_s : NAN,
        .errors_per_s = s->errors_per_s,
        .active = last->active,
        .gen_cpu_ratio = s->gen_cpu_ratio,
        .target_cpu_ratio = s->has_target ? s->target_cpu_ratio : NAN,
        .target_rss_bytes = s->has_target ? s->target_rss_bytes : NAN,
    };
    lc_live_history_push(s, &p);
    judge_so_far(b, pr);

    /* The Stop button: the same flag as Ctrl-C, set on the thread that reads it. */
    if (b->interrupted && __atomic_load_n(&b->stop_asked, __ATOMIC_ACQUIRE))
        *b->interrupted = 1;
    s->state = b->interrupted && *b->interrupted ? LC_LIVE_STOPPING : LC_LIVE_RUNNING;
    lc_live_publish(b->live, s);
    return 0;
}

void lc_live_bridge_finish(struct lc_live_bridge *b, const struct lc_engine_outcome *outcome)
{
    if (!b)
        return;
    struct lc_live_snapshot *s = b->snap;
    if (s->n_thresholds && outcome) {
        struct lc_result r;
        struct lc_error err = {0};
        lc_result_init(&r, LC_RESULT_KIND_HTTP);
        if (lc_load_fill_result(b->plan, outcome, &r, &err) == 0)
            judge(b, &r, 1);
        lc_result_free(&r);
    }
    if (outcome)
        s->elapsed_s = (double)outcome->duration_ns / 1e9;
    s->state = LC_LIVE_FINISHED;
    s->can_stop = 0;
    s->control[0] = '\0';
    pthread_mutex_lock(&b->ctl_lock);
    b->ctl_over = 1;
    pthread_mutex_unlock(&b->ctl_lock);
    lc_live_publish(b->live, s);
}

static double median_of(struct lc_live_bridge *b, const struct lc_result_bench_command *c);

void lc_live_bridge_finish_result(struct lc_live_bridge *b, const struct lc_result *r)
{
    if (!b)
        return;
    struct lc_live_snapshot *s = b->snap;
    if (s->n_thresholds && r)
        judge(b, r, 1);
    if (r && r->duration_ns)
        s->elapsed_s = (double)r->duration_ns / 1e9;
    if (s->has_bench && s->bench.has_current && b->bench_cmd) {
        /* Stopped inside a point: its median may be a publish behind its runs. */
        struct lc_live_bench_point *p = &s->bench.points[s->bench.current];
        if (p->runs)
            p->median_s = median_of(b, b->bench_cmd);
    }
    if (s->has_bench)
        s->bench.has_current = 0;
    s->state = LC_LIVE_FINISHED;
    s->can_stop = 0;
    s->control[0] = '\0';
    pthread_mutex_lock(&b->ctl_lock);
    b->ctl_over = 1;
    pthread_mutex_unlock(&b->ctl_lock);
    lc_live_publish(b->live, s);
}

int lc_live_bridge_poll_stop(struct lc_live_bridge *b)
{
    if (!b || !b->interrupted || !__atomic_load_n(&b->stop_asked, __ATOMIC_ACQUIRE))
        return 0;
    if (!*b->interrupted || b->snap->state != LC_LIVE_STOPPING) {
        *b->interrupted = 1;
        b->snap->state = LC_LIVE_STOPPING;
        lc_live_publish(b->live, b->snap);
    }
    return 1;
}

/* Running or stopping (a Stop or Ctrl-C already asked), for the non-load feeds. */
static void set_running_state(struct lc_live_bridge *b)
{
    if (b->interrupted && __atomic_load_n(&b->stop_asked, __ATOMIC_ACQUIRE))
        *b->interrupted = 1;
    b->snap->state = b->interrupted && *b->interrupted ? LC_LIVE_STOPPING : LC_LIVE_RUNNING;
}

/* One point of the charts' history with only the resource figures (no load runs). */
static void push_resource_point(struct lc_live_snapshot *s)
{
    struct lc_live_point p = {
        .t_s = s->elapsed_s,
        .rps = NAN,
        .target_rps = NAN,
        .p50_s = NAN,
        .p90_s = NAN,
        .p99_s = NAN,
        .errors_per_s = NAN,
        .active = NAN,
        .gen_cpu_ratio = s->gen_cpu_ratio,
        .target_cpu_ratio = s->has_target ? s->target_cpu_ratio : NAN,
        .target_rss_bytes = s->has_target ? s->target_rss_bytes : NAN,
    };
    lc_live_history_push(s, &p);
}

void lc_live_bridge_on_sample(struct lc_live_bridge *b, const struct lc_monitor_snapshot *m)
{
    if (!b)
        return;
    struct lc_live_snapshot *s = b->snap;
    s->elapsed_s = (double)(lc_clock_now_ns() - b->t0_ns) / 1e9;
    sample_generator(b);
    resources_from_monitor(s, m);
    push_resource_point(s);
    set_running_state(b);
    lc_live_publish(b->live, s);
}

/* The median of the point's timed wall times (the command's runs in the Result). */
static double median_of(struct lc_live_bridge *b, const struct lc_result_bench_command *c)
{
    if (!c->n_runs)
        return NAN;
    if (b->walls_cap < c->n_runs) {
        size_t cap = c->n_runs * 2;
        double *w = realloc(b->walls, cap * sizeof(*w));
        if (!w)
            return NAN;
        b->walls = w;
        b->walls_cap = cap;
    }
    for (size_t i = 0; i < c->n_runs; i++)
        b->walls[i] = (double)c->runs[i].wall_ns / 1e9;
    double m;
    return lc_stats_median(b->walls, c->n_runs, &m) == 0 ? m : NAN;
}

/* Timed runs planned for a point, as the progress line estimates them. */
static uint64_t runs_planned(const struct lc_bench_event *ev, const struct lc_live_bench_point *p)
{
    uint64_t planned = ev->runs_min;
    if (ev->min_time_ns && p->runs && p->sum_s > 0) {
        double want = ceil((double)ev->min_time_ns / 1e9 / (p->sum_s / (double)p->runs));
        if (want > (double)planned)
            planned = want > (double)ev->runs_max ? ev->runs_max : (uint64_t)want;
    }
    return planned < p->runs ? p->runs : planned;
}

static void bench_point_start(struct lc_live_bench *v, const struct lc_bench_event *ev)
{
    v->points_total = (uint32_t)ev->n_points;
    if (ev->point >= LC_LIVE_MAX_BENCH) {
        v->has_current = 0; /* not shown: the table is full */
        return;
    }
    uint32_t i = (uint32_t)ev->point;
    if (v->n_points <= i)
        v->n_points = i + 1;
    struct lc_live_bench_point *p = &v->points[i];
    char params[256];
    memset(p, 0, sizeof(*p));
    lc_live_copy_label(p->command, sizeof(p->command), ev->command->name);
    lc_live_copy_label(p->params, sizeof(p->params),
                       lc_bench_params_label(ev->command, params, sizeof(params)));
    p->runs_planned = ev->runs_min;
    p->last_s = p->mean_s = p->median_s = p->min_s = p->max_s = NAN;
    v->has_current = 1;
    v->current = i;
    v->current_warmup = 0;
}

/* A timed run has been added to the command's runs: update the point's figures. */
static void bench_timed_run(struct lc_live_bench_point *p, const struct lc_bench_event *ev)
{
    const struct lc_result_bench_command *c = ev->command;
    if (!c->n_runs || c->n_runs == p->runs)
        return;
    const struct lc_result_bench_run *run = &c->runs[c->n_runs - 1];
    double w = (double)run->wall_ns / 1e9;
    p->runs = c->n_runs;
    p->failed += run->exit_code != 0;
    p->last_s = w;
    p->sum_s += w;
    p->mean_s = p->sum_s / (double)p->runs;
    p->min_s = isnan(p->min_s) || w < p->min_s ? w : p->min_s;
    p->max_s = isnan(p->max_s) || w > p->max_s ? w : p->max_s;
    p->runs_planned = runs_planned(ev, p);
}

void lc_live_bridge_on_bench_event(struct lc_live_bridge *b, const struct lc_bench_event *ev,
                                   const struct lc_result *so_far)
{
    if (!b)
        return;
    struct lc_live_snapshot *s = b->snap;
    struct lc_live_bench *v = &s->bench;
    struct lc_live_bench_point *p =
        ev->point < LC_LIVE_MAX_BENCH && ev->point < v->n_points ? &v->points[ev->point] : NULL;
    int force = 0;
    b->bench_cmd = ev->command;
    switch (ev->kind) {
    case LC_BENCH_EV_POINT_START:
        bench_point_start(v, ev);
        force = 1;
        break;
    case LC_BENCH_EV_RUN:
        if (!p)
            break;
        v->current_warmup = ev->warmup;
        if (ev->warmup)
            p->warmup_runs = ev->run;
        else
            bench_timed_run(p, ev);
        break;
    case LC_BENCH_EV_POINT_DONE:
        if (p) {
            bench_timed_run(p, ev);
            p->runs_planned = p->runs; /* the budget is spent: what ran is what was planned */
        }
        v->points_done++;
        v->has_current = 0;
        force = 1;
        break;
    }
    uint64_t now = lc_clock_now_ns();
    int stop = b->interrupted && __atomic_load_n(&b->stop_asked, __ATOMIC_ACQUIRE);
    if (!force && !stop && now - b->last_publish_ns < BENCH_PUBLISH_NS)
        return;
    b->last_publish_ns = now;
    if (p && p->runs)
        p->median_s = median_of(b, ev->command);
    s->elapsed_s = (double)(now - b->t0_ns) / 1e9;
    if (b->monitor && lc_monitor_latest(b->monitor, b->mon))
        resources_from_monitor(s, b->mon);
    if (now - b->last_history_ns >= LC_NS_PER_SEC) {
        sample_generator(b);
        b->last_history_ns = now;
        push_resource_point(s);
    }
    if (so_far && s->n_thresholds)
        judge(b, so_far, 0);
    set_running_state(b);
    lc_live_publish(b->live, s);
}

void lc_live_bridge_close(struct lc_live_bridge *b, uint64_t linger_ns)
{
    if (!b)
        return;
    /* Serve the final figures a little longer (the last scrape must see them). A Ctrl-C
     * now ends the wait; after an interrupted run a second one exits at once anyway. */
    int was = b->interrupted ? *b->interrupted : 0;
    uint64_t end = lc_clock_now_ns() + linger_ns;
    while (linger_ns && lc_clock_now_ns() < end) {
        if (b->interrupted && *b->interrupted != was)
            break;
        lc_clock_sleep_ns(20 * LC_NS_PER_MS, NULL);
    }
    free_bridge(b);
}

/* ---- loadcell serve --metrics ------------------------------------------------------ */

#define STATS_POLL_NS LC_NS_PER_SEC

struct lc_live_serve_bridge {
    struct lc_live *live;
    struct lc_live_snapshot *snap;
    struct lc_serve *srv;
    struct lc_serve_counters sum; /* scratch for each read */
    pthread_t thread;
    int started;
    pthread_mutex_t lock; /* guards stop; wake signals it */
    pthread_cond_t wake;
    int stop;
};

/* The server's counters → the snapshot's serve part. */
static void serve_fill(struct lc_live_snapshot *s, const struct lc_serve *srv,
                       const struct lc_serve_counters *c, double uptime_s)
{
    struct lc_live_serve *v = &s->serve;
    memset(v, 0, sizeof(*v));
    v->requests = c->requests;
    v->errors = c->errors;
    v->health_requests = c->health_requests;
    v->stats_requests = c->stats_requests;
    v->bad_requests = c->bad_requests;
    v->connections = c->connections;
    v->bytes_in = c->bytes_in;
    v->bytes_out = c->bytes_out;
    v->threads = lc_serve_thread_count(srv);
    v->uptime_s = uptime_s;
    for (uint32_t r = 0; r < c->route_slots && v->n_routes < LC_LIVE_MAX_ROUTES; r++) {
        lc_live_copy_label(v->routes[v->n_routes], LC_LIVE_NAME_LEN, lc_serve_route_name(srv, r));
        v->by_route[v->n_routes++] = c->by_route[r];
    }
    for (int code = 0; code < LC_SERVE_STATUS_SLOTS && v->n_statuses < LC_LIVE_MAX_STATUSES;
         code++) {
        if (!c->by_status[code])
            continue;
        v->status[v->n_statuses] = (uint16_t)code;
        v->by_status[v->n_statuses++] = c->by_status[code];
    }
    for (int k = 1; k < LC_CHAOS_COUNT && v->n_chaos < LC_LIVE_MAX_CHAOS; k++) {
        lc_live_copy_label(v->chaos[v->n_chaos], LC_LIVE_NAME_LEN, lc_chaos_name(k));
        v->by_chaos[v->n_chaos++] = c->by_chaos[k];
    }
    s->elapsed_s = uptime_s;
    s->requests_total = v->requests;
    s->errors_total = v->errors;
}

/* One read of the counters, published. */
static void serve_poll(struct lc_live_serve_bridge *b)
{
    double uptime_s;
    lc_serve_read_counters(b->srv, &b->sum, &uptime_s);
    serve_fill(b->snap, b->srv, &b->sum, uptime_s);
    b->snap->state = LC_LIVE_RUNNING;
    lc_live_publish(b->live, b->snap);
}

static void *serve_thread(void *arg)
{
    struct lc_live_serve_bridge *b = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&b->lock);
    while (!b->stop) {
        pthread_mutex_unlock(&b->lock);
        serve_poll(b);
        next.tv_sec += STATS_POLL_NS / LC_NS_PER_SEC;
        pthread_mutex_lock(&b->lock);
        while (!b->stop && pthread_cond_timedwait(&b->wake, &b->lock, &next) == 0)
            ;
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

void lc_live_serve_bridge_stop(struct lc_live_serve_bridge *b)
{
    if (!b)
        return;
    if (b->started) {
        pthread_mutex_lock(&b->lock);
        b->stop = 1;
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->lock);
        pthread_join(b->thread, NULL);
    }
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->lock);
    lc_live_stop(b->live);
    lc_serve_counters_free(&b->sum);
    free(b->snap);
    free(b);
}

int lc_live_serve_bridge_start(const char *metrics, struct lc_serve *srv,
                               struct lc_live_serve_bridge **out, struct lc_error *err)
{
    *out = NULL;
    struct lc_live_serve_bridge *b = calloc(1, sizeof(*b));
    if (!b)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    b->srv = srv;
    pthread_mutex_init(&b->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->wake, &ca);
    pthread_condattr_destroy(&ca);
    b->snap = malloc(sizeof(*b->snap));
    if (!b->snap || lc_serve_counters_init(&b->sum, lc_serve_route_slots(srv)) != 0) {
        lc_live_serve_bridge_stop(b);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    struct lc_live_options lo = {.metrics_listen = metrics};
    int rc = lc_live_start(&lo, &b->live, err);
    if (rc != 0) {
        lc_live_serve_bridge_stop(b);
        return rc;
    }
    struct lc_live_snapshot *s = b->snap;
    lc_live_snapshot_init(s);
    memcpy(s->command, "serve", 6);
    lc_live_copy_label(s->target, sizeof(s->target), lc_serve_url(srv));
    s->has_serve = 1;
    serve_poll(b); /* the first figures (all zero) before anyone can scrape */
    int e = pthread_create(&b->thread, NULL, serve_thread, b);
    if (e != 0) {
        lc_live_serve_bridge_stop(b);
        return lc_error_sys(err, e, "cannot start the metrics thread");
    }
    b->started = 1;
    fprintf(stderr, "loadcell: Prometheus metrics at %s\n", lc_live_metrics_url(b->live));
    *out = b;
    return 0;
}
