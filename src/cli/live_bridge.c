/* Live snapshots for the endpoints: engine progress (http), and loadcell serve's /stats. */
#include "cli/live_bridge.h"

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/hdr.h"
#include "live/live.h"
#include "load/recorder.h"
#include "load/to_result.h"
#include "monitor/monitor.h"
#include "net/addr.h"
#include "net/http1_parse.h"
#include "net/url.h"
#include "results/result.h"

#define CONNECTION_NAME    "(connection)" /* the recorder of connection-level failures */
#define MAX_TRACKED_PHASES 64             /* result_so_far copies at most this many phases */

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

static void on_stop(void *ctx)
{
    struct lc_live_bridge *b = ctx;
    __atomic_store_n(&b->stop_asked, 1, __ATOMIC_RELEASE);
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
    lc_live_stop(b->live);
    lc_hdr_free(&b->interval_lat);
    lc_hdr_free(&b->phase_lat);
    free(b->req_index);
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
    const struct lc_load_plan *plan = opt->plan;
    b->plan = plan;
    b->thresholds = opt->thresholds;
    b->interrupted = opt->interrupted;
    b->monitor = opt->monitor;
    b->mon = opt->monitor ? malloc(sizeof(*b->mon)) : NULL;
    b->snap = malloc(sizeof(*b->snap));
    b->req_index = calloc(plan->request_count + 1, sizeof(*b->req_index));
    if (!b->snap || !b->req_index || (b->monitor && !b->mon) ||
        lc_hdr_init_default(&b->interval_lat) != 0 || lc_hdr_init_default(&b->phase_lat) != 0) {
        free_bridge(b);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    struct lc_live_snapshot *s = b->snap;
    lc_live_snapshot_init(s);
    lc_live_copy_label(s->command, sizeof(s->command), opt->command);
    lc_live_copy_label(s->target, sizeof(s->target), plan->target);
    s->has_load = 1;
    s->can_stop = opt->interrupted != NULL;
    uint64_t total = lc_load_plan_duration(plan);
    s->total_s = total == UINT64_MAX ? 0 : (double)total / 1e9;
    /* Names in plan order, so the page lists phases ahead of time. */
    for (size_t i = 0; i < plan->phase_count; i++)
        (void)lc_live_phase_index(s, plan->phases[i].name);
    for (size_t k = 0; k < plan->request_count; k++)
        b->req_index[k] = lc_live_request_index(s, plan->requests[k].name);
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

    double cpu = cpu_seconds(), wall = (double)lc_clock_now_ns() / 1e9;
    if (!isnan(cpu) && !isnan(b->cpu_s)) {
        s->gen_cpu_ratio = wall > b->cpu_wall_s ? (cpu - b->cpu_s) / (wall - b->cpu_wall_s) : NAN;
        s->gen_cpu_seconds += cpu - b->cpu_s;
    }
    b->cpu_s = cpu;
    b->cpu_wall_s = wall;
    s->gen_rss_bytes = rss_bytes();
    if (b->monitor && lc_monitor_latest(b->monitor, b->mon) && b->mon->sut_watched) {
        const struct lc_proctree_sample *t = &b->mon->sut;
        s->has_target = 1;
        s->target_cpu_ratio = t->has_rates ? t->cpu_percent / 100 : NAN;
        s->target_rss_bytes = (double)t->rss_bytes;
    }

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

#define STATS_POLL_NS   LC_NS_PER_SEC
#define STATS_MAX_BYTES (1u << 20) /* /stats is a few KB; more is not the server we know */

struct lc_live_serve_bridge {
    struct lc_live *live;
    struct lc_live_snapshot *snap;
    struct lc_addr_list addrs; /* the server's address */
    char host[300];            /* Host header */
    int fd;                    /* the keep-alive connection, -1 when closed */
    pthread_t thread;
    int started;
    pthread_mutex_t lock; /* guards stop; wake signals it */
    pthread_cond_t wake;
    int stop;
    char *buf; /* STATS_MAX_BYTES */
};

/* Read one response to GET /stats on b->fd into a JSON value; NULL on any failure. */
static json_t *stats_exchange(struct lc_live_serve_bridge *b)
{
    char req[400];
    int n = snprintf(req, sizeof(req), "GET /stats HTTP/1.1\r\nHost: %s\r\n\r\n", b->host);
    if (n < 0 || (size_t)n >= sizeof(req) || send(b->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        return NULL;
    size_t got = 0;
    ssize_t head_len = -2;
    struct lc_http1_response_head head;
    struct lc_http1_header headers[32];
    while (got < STATS_MAX_BYTES) {
        ssize_t r = recv(b->fd, b->buf + got, STATS_MAX_BYTES - got, 0);
        if (r <= 0)
            return NULL;
        got += (size_t)r;
        if (head_len == -2)
            head_len = lc_http1_parse_response_head(b->buf, got, &head, headers, 32,
                                                    &lc_http1_default_limits);
        if (head_len == -1 || (head_len >= 0 && head.framing.content_length < 0))
            return NULL; /* not the answer of a loadcell serve */
        if (head_len >= 0 && got >= (size_t)head_len + (size_t)head.framing.content_length) {
            if (head.status != 200)
                return NULL;
            return json_loadb(b->buf + head_len, (size_t)head.framing.content_length, 0, NULL);
        }
    }
    return NULL;
}

static uint64_t json_u64(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* /stats JSON → the snapshot's serve part. */
static void serve_from_json(struct lc_live_snapshot *s, json_t *j)
{
    struct lc_live_serve *v = &s->serve;
    memset(v, 0, sizeof(*v));
    v->requests = json_u64(j, "requests");
    v->errors = json_u64(j, "errors");
    v->health_requests = json_u64(j, "health_requests");
    v->stats_requests = json_u64(j, "stats_requests");
    v->bad_requests = json_u64(j, "bad_requests");
    v->connections = json_u64(j, "connections_accepted");
    v->bytes_in = json_u64(j, "bytes_in");
    v->bytes_out = json_u64(j, "bytes_out");
    v->threads = (uint32_t)json_u64(j, "threads");
    json_t *up = json_object_get(j, "uptime_s");
    v->uptime_s = json_is_number(up) ? json_number_value(up) : NAN;
    const char *key;
    json_t *val;
    json_object_foreach(json_object_get(j, "by_route"), key, val)
    {
        if (v->n_routes == LC_LIVE_MAX_ROUTES)
            break;
        lc_live_copy_label(v->routes[v->n_routes], LC_LIVE_NAME_LEN, key);
        v->by_route[v->n_routes++] = json_is_integer(val) ? (uint64_t)json_integer_value(val) : 0;
    }
    json_object_foreach(json_object_get(j, "by_status"), key, val)
    {
        long code = strtol(key, NULL, 10);
        if (v->n_statuses == LC_LIVE_MAX_STATUSES || code < 0 || code > 999)
            break;
        v->status[v->n_statuses] = (uint16_t)code;
        v->by_status[v->n_statuses++] =
            json_is_integer(val) ? (uint64_t)json_integer_value(val) : 0;
    }
    json_object_foreach(json_object_get(j, "by_chaos"), key, val)
    {
        if (v->n_chaos == LC_LIVE_MAX_CHAOS)
            break;
        lc_live_copy_label(v->chaos[v->n_chaos], LC_LIVE_NAME_LEN, key);
        v->by_chaos[v->n_chaos++] = json_is_integer(val) ? (uint64_t)json_integer_value(val) : 0;
    }
    s->elapsed_s = v->uptime_s;
    s->requests_total = v->requests;
    s->errors_total = v->errors;
}

/* One poll: (re)connect when needed, fetch /stats, publish. */
static void serve_poll(struct lc_live_serve_bridge *b)
{
    if (b->fd < 0) {
        int in_progress = 0;
        int fd = lc_tcp_connect(&b->addrs.addrs[0], b->addrs.lens[0], &in_progress);
        if (fd < 0)
            return;
        /* Blocking from here on, with timeouts: this thread does nothing else. */
        int fl = fcntl(fd, F_GETFL);
        struct timeval tv = {.tv_sec = 1};
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
            (in_progress && (poll(&p, 1, 1000) != 1 || lc_tcp_connect_result(fd) != 0)) ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
            close(fd);
            return;
        }
        b->fd = fd;
    }
    json_t *j = stats_exchange(b);
    if (!j) {
        close(b->fd);
        b->fd = -1;
        return;
    }
    serve_from_json(b->snap, j);
    json_decref(j);
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
    if (b->fd >= 0)
        close(b->fd);
    lc_live_stop(b->live);
    free(b->buf);
    free(b->snap);
    free(b);
}

int lc_live_serve_bridge_start(const char *metrics, const char *server_url,
                               struct lc_live_serve_bridge **out, struct lc_error *err)
{
    *out = NULL;
    struct lc_url url;
    int rc = lc_url_parse(server_url, &url, err);
    if (rc != 0)
        return rc;
    struct lc_live_serve_bridge *b = calloc(1, sizeof(*b));
    if (!b)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    b->fd = -1;
    pthread_mutex_init(&b->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->wake, &ca);
    pthread_condattr_destroy(&ca);
    b->snap = malloc(sizeof(*b->snap));
    b->buf = malloc(STATS_MAX_BYTES);
    if (!b->snap || !b->buf) {
        lc_live_serve_bridge_stop(b);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    lc_url_host_header(&url, b->host, sizeof(b->host));
    rc = lc_addr_resolve(url.host, url.port, &b->addrs, err);
    struct lc_live_options lo = {.metrics_listen = metrics};
    if (rc == 0)
        rc = lc_live_start(&lo, &b->live, err);
    if (rc != 0) {
        lc_live_serve_bridge_stop(b);
        return rc;
    }
    struct lc_live_snapshot *s = b->snap;
    lc_live_snapshot_init(s);
    memcpy(s->command, "serve", 6);
    lc_live_copy_label(s->target, sizeof(s->target), server_url);
    s->has_serve = 1;
    lc_live_publish(b->live, s);
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
