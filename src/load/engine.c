/*
 * The load engine: worker threads, the start gate, and the aggregator that
 * swaps and merges the workers' recorders every second.
 */
#include "load/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/clock.h"
#include "load/worker.h"

#define TICK_NS         LC_NS_PER_SEC
#define POLL_SLICE_NS   (20 * LC_NS_PER_MS)
#define ACK_WAIT_MAX_NS LC_NS_PER_SEC

void lc_load_plan_free(struct lc_load_plan *plan)
{
    for (size_t i = 0; i < plan->request_count; i++) {
        if (plan->requests[i].batch != plan->requests[i].bytes)
            free(plan->requests[i].batch);
        free(plan->requests[i].bytes);
    }
    free(plan->requests);
    plan->requests = NULL;
    plan->request_count = 0;
}

void lc_engine_outcome_free(struct lc_engine_outcome *out)
{
    for (size_t i = 0; i < out->phase_count; i++) {
        lc_recorder_free(&out->phases[i].total);
        free(out->phases[i].series);
    }
    out->phase_count = 0;
}

/* The aggregator's state (lives on lc_engine_run's stack). */
struct aggregator {
    const struct lc_load_plan *plan;
    struct lc_engine_shared *shared;
    struct lc_worker *workers;
    uint32_t nworkers;
    struct lc_engine_outcome *out;
    const struct lc_engine_hooks *hooks;
    struct lc_recorder interval; /* the workers' recorders of one interval, merged */
    uint64_t t0_ns;
    uint64_t interval_start_ns;
    uint64_t ticks;
    size_t phase; /* index in out->phases receiving data now */
};

static double seconds(uint64_t ns)
{
    return (double)ns / 1e9;
}

static int add_point(struct lc_engine_phase *ph, const struct lc_series_point *p)
{
    if (ph->series_len == ph->series_cap) {
        size_t cap = ph->series_cap ? ph->series_cap * 2 : 64;
        struct lc_series_point *s = realloc(ph->series, cap * sizeof(*s));
        if (!s)
            return LC_ENOMEM;
        ph->series = s;
        ph->series_cap = cap;
    }
    ph->series[ph->series_len++] = *p;
    return 0;
}

/* Close the interval ending at end_ns: a series point, then into the phase total. */
static void close_interval(struct aggregator *ag, uint64_t end_ns)
{
    struct lc_recorder *iv = &ag->interval;
    struct lc_engine_phase *ph = &ag->out->phases[ag->phase];
    struct lc_series_point p = {
        .t_s = seconds(end_ns - ag->t0_ns),
        .interval_s = seconds(end_ns - ag->interval_start_ns),
        .requests = iv->completed,
        .errors = iv->failed + lc_recorder_status_errors(iv),
        .bytes_in = iv->bytes_in,
        .active = iv->active,
        .target_rate = ag->plan->model == LC_MODEL_OPEN ? ag->plan->rate_per_s : 0,
        .p50_ns = lc_hdr_value_at_percentile(&iv->latency, 50),
        .p90_ns = lc_hdr_value_at_percentile(&iv->latency, 90),
        .p99_ns = lc_hdr_value_at_percentile(&iv->latency, 99),
        .max_ns = iv->latency.total_count ? lc_hdr_max(&iv->latency) : 0,
        .lag_p99_ns = lc_hdr_value_at_percentile(&iv->lag, 99),
    };
    /* A sliver of an interval (the stop right after a tick) with nothing in it is no point. */
    int worth = p.interval_s > 0.001 || iv->completed || iv->failed;
    if (worth)
        (void)add_point(ph, &p); /* on allocation failure the series only loses a point */
    lc_recorder_merge(&ph->total, iv);
    lc_recorder_reset(iv);
    ag->interval_start_ns = end_ns;
    if (ag->hooks && ag->hooks->on_tick && worth) {
        const struct lc_engine_phase *last = &ag->out->phases[ag->out->phase_count - 1];
        struct lc_engine_progress prog = {
            .elapsed_s = p.t_s,
            .total_s =
                ag->plan->duration_ns ? seconds(ag->plan->duration_ns + ag->plan->warmup_ns) : 0,
            .phase = ph->name,
            .last = &p,
            .requests_total = last->total.completed,
            .errors_total = last->total.failed + lc_recorder_status_errors(&last->total),
        };
        ag->hooks->on_tick(&prog, ag->hooks->ctx);
    }
}

/* Ask every worker to swap recorders, then merge what they handed over. */
static void tick(struct aggregator *ag, uint64_t tick_ns)
{
    uint64_t k = ++ag->ticks;
    __atomic_store_n(&ag->shared->tick_req, k, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < ag->nworkers; i++)
        lc_worker_wake(&ag->workers[i]);
    int old = (int)((k + 1) & 1); /* after its k-th swap a worker writes rec[k % 2] */
    uint64_t give_up = lc_clock_now_ns() + ACK_WAIT_MAX_NS;
    for (uint32_t i = 0; i < ag->nworkers; i++) {
        struct lc_worker *w = &ag->workers[i];
        for (;;) {
            if (__atomic_load_n(&w->tick_ack, __ATOMIC_ACQUIRE) == k) {
                lc_recorder_merge(&ag->interval, &w->rec[old]);
                lc_recorder_reset(&w->rec[old]);
                break;
            }
            /* A finished worker keeps its data in rec[cur]; it is read after join. */
            if (__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE) || lc_clock_now_ns() > give_up)
                break;
            lc_clock_sleep_ns(50 * LC_NS_PER_US, NULL);
        }
    }
    close_interval(ag, tick_ns);
}

static int all_finished(struct aggregator *ag)
{
    for (uint32_t i = 0; i < ag->nworkers; i++)
        if (!__atomic_load_n(&ag->workers[i].finished, __ATOMIC_ACQUIRE))
            return 0;
    return 1;
}

static void stop_workers(struct aggregator *ag, int mode)
{
    __atomic_store_n(&ag->shared->stop_mode, mode, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < ag->nworkers; i++)
        lc_worker_wake(&ag->workers[i]);
}

/* The aggregator loop: ticks every second and at the warmup's end, until all workers stop. */
static void aggregate(struct aggregator *ag)
{
    const struct lc_load_plan *plan = ag->plan;
    uint64_t next_tick = ag->t0_ns + TICK_NS;
    uint64_t warmup_end = plan->warmup_ns ? ag->t0_ns + plan->warmup_ns : 0;
    int stop_sent = 0;
    while (!all_finished(ag)) {
        if (!stop_sent && ag->hooks && ag->hooks->interrupted && *ag->hooks->interrupted) {
            stop_workers(ag, LC_STOP_GRACEFUL);
            ag->out->partial = 1;
            stop_sent = 1;
        }
        uint64_t boundary = next_tick;
        if (warmup_end && warmup_end <= boundary)
            boundary = warmup_end;
        uint64_t now = lc_clock_now_ns();
        if (now < boundary) {
            uint64_t nap = boundary - now;
            lc_clock_sleep_ns(nap < POLL_SLICE_NS ? nap : POLL_SLICE_NS, NULL);
            continue;
        }
        tick(ag, boundary);
        if (boundary == warmup_end) {
            ag->out->phases[0].duration_ns = plan->warmup_ns;
            ag->phase = 1;
            warmup_end = 0;
        }
        if (boundary == next_tick)
            next_tick += TICK_NS;
    }
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void init_phase(struct lc_engine_phase *ph, const char *name, int recorded,
                       uint64_t start_offset_ns)
{
    memset(ph, 0, sizeof(*ph));
    snprintf(ph->name, sizeof(ph->name), "%s", name);
    ph->recorded = recorded;
    ph->start_offset_ns = start_offset_ns;
}

int lc_engine_run(const struct lc_load_plan *plan, const struct lc_engine_hooks *hooks,
                  struct lc_engine_outcome *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    uint32_t threads = plan->threads ? plan->threads : 1;
    if (threads > plan->connections)
        threads = plan->connections;
    struct lc_load_plan effective = *plan;
    effective.threads = threads;

    struct lc_engine_shared shared = {.plan = &effective};
    pthread_mutex_init(&shared.gate_lock, NULL);
    pthread_cond_init(&shared.gate_cond, NULL);
    struct aggregator ag = {.plan = &effective, .shared = &shared, .out = out, .hooks = hooks};
    int rc = 0;
    uint32_t created = 0;

    if (plan->warmup_ns) {
        init_phase(&out->phases[out->phase_count++], "warmup", 0, 0);
        ag.phase = 0;
    }
    init_phase(&out->phases[out->phase_count++], "main", 1, plan->warmup_ns);
    if (!plan->warmup_ns)
        ag.phase = 0;
    for (size_t i = 0; i < out->phase_count; i++)
        if (lc_recorder_init(&out->phases[i].total) != 0)
            rc = lc_error_set(err, LC_ENOMEM, "out of memory for histograms");
    if (rc == 0 && lc_recorder_init(&ag.interval) != 0)
        rc = lc_error_set(err, LC_ENOMEM, "out of memory for histograms");
    ag.workers = calloc(threads, sizeof(*ag.workers));
    if (rc == 0 && !ag.workers)
        rc = lc_error_set(err, LC_ENOMEM, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < threads; i++) {
        uint32_t n = plan->connections / threads + (i < plan->connections % threads);
        rc = lc_worker_init(&ag.workers[i], i, n, &shared, err);
        ag.nworkers = i + 1;
    }
    for (uint32_t i = 0; rc == 0 && i < threads; i++) {
        int e = pthread_create(&ag.workers[i].thread, NULL, lc_worker_main, &ag.workers[i]);
        if (e != 0) {
            rc = lc_error_sys(err, e, "cannot start worker thread %u", i);
            break;
        }
        created++;
    }

    /* The start gate: wait for every created worker to finish connecting. */
    pthread_mutex_lock(&shared.gate_lock);
    while (shared.connected_count < created)
        pthread_cond_wait(&shared.gate_cond, &shared.gate_lock);
    uint32_t established = 0;
    int first_errno = 0;
    for (uint32_t i = 0; i < created; i++) {
        established += ag.workers[i].established_at_start;
        if (!first_errno)
            first_errno = ag.workers[i].first_connect_errno;
    }
    if (rc == 0 && established == 0) {
        char where[64];
        lc_addr_format(&plan->addrs.addrs[0], where, sizeof(where));
        rc = lc_error_set(err, LC_ECONNECT,
                          "cannot connect to %s (%s): %s; 0 of %u connections established",
                          plan->target, where,
                          first_errno ? strerror(first_errno) : "unknown error", plan->connections);
    }
    if (rc != 0)
        shared.stop_mode = LC_STOP_NOW;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    out->start_wall_ns = lc_clock_wall_ns();
    shared.t0_ns = ag.t0_ns = ag.interval_start_ns = lc_clock_now_ns();
    shared.go = 1;
    pthread_cond_broadcast(&shared.gate_cond);
    pthread_mutex_unlock(&shared.gate_lock);

    if (rc == 0)
        aggregate(&ag);
    for (uint32_t i = 0; i < created; i++)
        pthread_join(ag.workers[i].thread, NULL);
    if (rc == 0) {
        uint64_t end = lc_clock_now_ns();
        getrusage(RUSAGE_SELF, &ru1);
        for (uint32_t i = 0; i < created; i++) {
            struct lc_worker *w = &ag.workers[i];
            lc_recorder_merge(&ag.interval, &w->rec[w->cur]);
            out->inflight_at_stop += w->inflight_at_stop;
            out->unsent += w->unsent;
        }
        uint64_t planned_end =
            plan->duration_ns ? ag.t0_ns + plan->warmup_ns + plan->duration_ns : UINT64_MAX;
        close_interval(&ag, end < planned_end ? end : planned_end);
        out->end_wall_ns = lc_clock_wall_ns();
        out->duration_ns = (end < planned_end ? end : planned_end) - ag.t0_ns;
        struct lc_engine_phase *last = &out->phases[out->phase_count - 1];
        if (out->duration_ns > last->start_offset_ns)
            last->duration_ns = out->duration_ns - last->start_offset_ns;
        if (out->phase_count == 2 && out->phases[0].duration_ns == 0)
            out->phases[0].duration_ns = out->duration_ns; /* stopped inside the warmup */
        out->connections_requested = plan->connections;
        out->connections_established = established;
        out->gen_user_s = tv_seconds(ru1.ru_utime) - tv_seconds(ru0.ru_utime);
        out->gen_sys_s = tv_seconds(ru1.ru_stime) - tv_seconds(ru0.ru_stime);
    }
    for (uint32_t i = 0; i < ag.nworkers; i++)
        lc_worker_free(&ag.workers[i]);
    free(ag.workers);
    lc_recorder_free(&ag.interval);
    pthread_mutex_destroy(&shared.gate_lock);
    pthread_cond_destroy(&shared.gate_cond);
    if (rc != 0)
        lc_engine_outcome_free(out);
    return rc;
}
