/*
 * The load engine: worker threads, the start gate, and the aggregator that
 * swaps and merges the workers' recorders every second and at every phase
 * boundary.
 */
#include "load/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/clock.h"
#include "load/worker.h"

#define TICK_NS         LC_NS_PER_SEC
#define POLL_SLICE_NS   (20 * LC_NS_PER_MS)
#define ACK_WAIT_MAX_NS LC_NS_PER_SEC

static void free_recs(struct lc_recorder *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t k = 0; k < n; k++)
        lc_recorder_free(&recs[k]);
    free(recs);
}

static struct lc_recorder *alloc_recs(size_t n)
{
    struct lc_recorder *recs = calloc(n, sizeof(*recs));
    if (!recs)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        if (lc_recorder_init(&recs[k]) != 0) {
            free_recs(recs, k);
            return NULL;
        }
    }
    return recs;
}

void lc_engine_outcome_free(struct lc_engine_outcome *out)
{
    for (size_t i = 0; i < out->phase_count; i++) {
        free_recs(out->phases[i].recs, out->phases[i].nrec);
        free(out->phases[i].series);
    }
    free(out->phases);
    out->phases = NULL;
    out->phase_count = 0;
    free(out->controls);
    out->controls = NULL;
    out->control_count = 0;
}

int lc_engine_control_check(const struct lc_load_plan *plan, size_t phase, double level,
                            struct lc_error *err)
{
    if (phase >= plan->phase_count)
        return lc_error_set(err, LC_EINVAL, "no phase is running");
    const struct lc_load_phase *ph = &plan->phases[phase];
    if (ph->model == LC_MODEL_CLOSED) {
        if (!(level >= 1 && level <= plan->connections) || level != floor(level))
            return lc_error_set(err, LC_EINVAL,
                                "users must be a whole number from 1 to %u (the connections "
                                "opened at start, -c)",
                                plan->connections);
        return 0;
    }
    double cap = LC_ENGINE_CONTROL_RATE_FACTOR * ph->peak;
    if (!(level > 0 && level <= cap))
        return lc_error_set(err, LC_EINVAL,
                            "rate must be above 0 and at most %g requests/s (%g times phase "
                            "'%s''s planned peak)",
                            cap, LC_ENGINE_CONTROL_RATE_FACTOR, ph->name);
    return 0;
}

int lc_engine_control_when(const struct lc_load_plan *plan, uint64_t elapsed_ns, size_t *phase,
                           struct lc_error *err)
{
    uint64_t off = 0;
    for (size_t i = 0; i < plan->phase_count; i++) {
        const struct lc_load_phase *ph = &plan->phases[i];
        uint64_t d = ph->duration_ns; /* 0: bounded by count only, it never ends by time */
        if (d && elapsed_ns >= off + d) {
            off += d;
            continue;
        }
        *phase = i;
        /* The aggregator ticks every second counted from the phase's start. */
        uint64_t next = ((elapsed_ns - off) / TICK_NS + 1) * TICK_NS;
        if (!d || next < d)
            return 0;
        double left = (double)(off + d - elapsed_ns) / 1e9;
        if (i + 1 < plan->phase_count)
            return lc_error_set(err, LC_EAGAIN,
                                "phase '%s' ends in %.1f s, before the next tick could apply "
                                "the change: ask again once phase '%s' runs",
                                ph->name, left, plan->phases[i + 1].name);
        return lc_error_set(err, LC_EAGAIN,
                            "the run ends in %.1f s, before the next tick could apply the change",
                            left);
    }
    *phase = plan->phase_count;
    return lc_error_set(err, LC_EAGAIN, "the run is over: nothing to change");
}

/* The aggregator's state (lives on lc_engine_run's stack). */
struct aggregator {
    const struct lc_load_plan *plan;
    struct lc_engine_shared *shared;
    struct lc_worker *workers;
    uint32_t nworkers;
    size_t nrec;
    struct lc_engine_outcome *out;
    const struct lc_engine_hooks *hooks;
    struct lc_recorder *interval; /* the workers' recorders of one interval, merged (nrec) */
    struct lc_recorder all;       /* scratch: the interval over every request */
    uint64_t t0_ns;
    uint64_t interval_start_ns;
    uint64_t ticks;
    size_t phase; /* index in out->phases receiving data now */
    int hook_stop;
    int ctl_active;      /* the running phase's level was changed live */
    double ctl_level;    /* to this */
    double ctl_before;   /* the level asked for just before (at ctl_at_ns) */
    uint64_t ctl_at_ns;  /* from this tick on */
    size_t controls_cap; /* of out->controls */
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

/* Open phase i of the outcome (its recorders), at offset_ns from the start. */
static int open_phase(struct aggregator *ag, size_t i, uint64_t offset_ns)
{
    const struct lc_load_phase *pp = &ag->plan->phases[i];
    struct lc_engine_phase *ph = &ag->out->phases[i];
    memset(ph, 0, sizeof(*ph));
    snprintf(ph->name, sizeof(ph->name), "%s", pp->name);
    ph->recorded = pp->recorded;
    ph->start_offset_ns = offset_ns;
    ph->nrec = ag->nrec;
    ph->recs = alloc_recs(ag->nrec);
    ag->out->phase_count = i + 1;
    return ph->recs ? 0 : LC_ENOMEM;
}

/* The level asked for at the end of an interval (users or rate). */
static double target_level(struct aggregator *ag, uint64_t end_ns)
{
    const struct lc_load_phase *pp = &ag->plan->phases[ag->phase];
    uint64_t off = ag->out->phases[ag->phase].start_offset_ns;
    uint64_t t = end_ns - ag->t0_ns;
    if (ag->ctl_active) /* the interval ending at the change ran at the level before it */
        return end_ns > ag->ctl_at_ns ? ag->ctl_level : ag->ctl_before;
    return lc_load_phase_level(pp, t > off ? t - off : 0);
}

/*
 * Live control: ask the hook for a new level of the running phase and, when
 * it is valid, record it and hand it to the workers with the tick at tick_ns.
 * Not on the hot path (once per tick).
 */
static void take_control(struct aggregator *ag, uint64_t tick_ns)
{
    const struct lc_engine_hooks *h = ag->hooks;
    double level = 0;
    if (!h || !h->take_control || !h->take_control(ag->phase, &level, h->control_ctx))
        return;
    if (lc_engine_control_check(ag->plan, ag->phase, level, NULL) != 0)
        return;
    struct lc_engine_outcome *out = ag->out;
    if (out->control_count == ag->controls_cap) {
        size_t cap = ag->controls_cap ? ag->controls_cap * 2 : 8;
        struct lc_engine_control_change *c = realloc(out->controls, cap * sizeof(*c));
        if (!c)
            return; /* not recorded: not applied either */
        out->controls = c;
        ag->controls_cap = cap;
    }
    out->controls[out->control_count++] = (struct lc_engine_control_change){
        .t_s = seconds(tick_ns - ag->t0_ns),
        .phase = ag->phase,
        .open = ag->plan->phases[ag->phase].model == LC_MODEL_OPEN,
        .from_level = target_level(ag, tick_ns),
        .to_level = level,
    };
    ag->ctl_before = out->controls[out->control_count - 1].from_level;
    ag->ctl_active = 1;
    ag->ctl_level = level;
    ag->ctl_at_ns = tick_ns;
    struct lc_engine_shared *sh = ag->shared;
    pthread_mutex_lock(&sh->control_lock);
    sh->control_phase = ag->phase;
    sh->control_at_ns = tick_ns;
    sh->control_level = level;
    __atomic_store_n(&sh->control_gen, __atomic_load_n(&sh->control_gen, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELEASE);
    pthread_mutex_unlock(&sh->control_lock);
}

/* Close the interval ending at end_ns: a series point, then into the phase's recorders. */
static void close_interval(struct aggregator *ag, uint64_t end_ns)
{
    struct lc_engine_phase *ph = &ag->out->phases[ag->phase];
    struct lc_recorder *all = &ag->all;
    lc_recorder_reset(all);
    for (size_t k = 0; k < ag->nrec; k++)
        lc_recorder_merge(all, &ag->interval[k]);
    int open = ag->plan->phases[ag->phase].model == LC_MODEL_OPEN;
    struct lc_series_point p = {
        .t_s = seconds(end_ns - ag->t0_ns),
        .interval_s = seconds(end_ns - ag->interval_start_ns),
        .requests = all->completed + all->failed,
        .errors = all->failed + lc_recorder_status_errors(all),
        .bytes_in = all->bytes_in,
        .active = all->active,
        .target_rate = open ? target_level(ag, end_ns) : 0,
        .target_users = open ? 0 : target_level(ag, end_ns),
        .p50_ns = lc_hdr_value_at_percentile(&all->latency, 50),
        .p90_ns = lc_hdr_value_at_percentile(&all->latency, 90),
        .p99_ns = lc_hdr_value_at_percentile(&all->latency, 99),
        .max_ns = all->latency.total_count ? lc_hdr_max(&all->latency) : 0,
        .lag_p99_ns = lc_hdr_value_at_percentile(&all->lag, 99),
    };
    /* A sliver of an interval (the stop right after a tick) with nothing in it is no point. */
    int worth = p.interval_s > 0.001 || all->completed || all->failed;
    if (worth)
        (void)add_point(ph, &p); /* on allocation failure the series only loses a point */
    ag->interval_start_ns = end_ns;
    if (ag->hooks && ag->hooks->on_tick && worth) {
        uint64_t req = 0, err = 0;
        for (size_t k = 0; k < ag->nrec; k++) {
            const struct lc_recorder *t = &ph->recs[k];
            req += t->completed + t->failed + ag->interval[k].completed + ag->interval[k].failed;
            err += t->failed + lc_recorder_status_errors(t) + ag->interval[k].failed +
                   lc_recorder_status_errors(&ag->interval[k]);
        }
        uint64_t total = lc_load_plan_duration(ag->plan);
        struct lc_engine_progress prog = {
            .elapsed_s = p.t_s,
            .total_s = total == UINT64_MAX ? 0 : seconds(total),
            .phase_index = ag->phase,
            .phase = ph->name,
            .last = &p,
            .interval = ag->interval,
            .requests_total = req,
            .errors_total = err,
            .outcome = ag->out,
        };
        if (ag->hooks->on_tick(&prog, ag->hooks->ctx))
            ag->hook_stop = 1;
    }
    for (size_t k = 0; k < ag->nrec; k++) {
        lc_recorder_merge(&ph->recs[k], &ag->interval[k]);
        lc_recorder_reset(&ag->interval[k]);
    }
}

/*
 * Ask every worker to swap recorders, then merge what they handed over. A
 * tick inside a phase (not its end) also carries a live control change.
 */
static void tick(struct aggregator *ag, uint64_t tick_ns, int phase_ends)
{
    if (!phase_ends)
        take_control(ag, tick_ns);
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
                for (size_t r = 0; r < ag->nrec; r++) {
                    lc_recorder_merge(&ag->interval[r], &w->rec[old][r]);
                    lc_recorder_reset(&w->rec[old][r]);
                }
                break;
            }
            /* A finished worker no longer writes: take what it left in rec[cur]. */
            if (__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE)) {
                for (size_t r = 0; r < ag->nrec; r++) {
                    lc_recorder_merge(&ag->interval[r], &w->rec[w->cur][r]);
                    lc_recorder_reset(&w->rec[w->cur][r]);
                }
                break;
            }
            if (lc_clock_now_ns() > give_up)
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

/* End the current phase's duration at end_ns (measured from the start). */
static void finish_phase(struct aggregator *ag, uint64_t end_ns)
{
    struct lc_engine_phase *ph = &ag->out->phases[ag->phase];
    uint64_t t = end_ns - ag->t0_ns;
    ph->duration_ns = t > ph->start_offset_ns ? t - ph->start_offset_ns : 0;
}

/*
 * The aggregator loop: ticks every second (counted from each phase's start)
 * and at every phase boundary, until all workers stop.
 */
static int aggregate(struct aggregator *ag)
{
    const struct lc_load_plan *plan = ag->plan;
    uint64_t phase_end =
        plan->phases[0].duration_ns ? ag->t0_ns + plan->phases[0].duration_ns : UINT64_MAX;
    uint64_t next_tick = ag->t0_ns + TICK_NS;
    int stop_sent = 0;
    while (!all_finished(ag)) {
        if (!stop_sent && ag->hooks && ag->hooks->interrupted && *ag->hooks->interrupted) {
            stop_workers(ag, LC_STOP_GRACEFUL);
            ag->out->partial = 1;
            stop_sent = 1;
        }
        if (!stop_sent && ag->hook_stop) {
            stop_workers(ag, LC_STOP_NOW);
            ag->out->stopped_by_hook = 1;
            stop_sent = 1;
        }
        uint64_t boundary = next_tick < phase_end ? next_tick : phase_end;
        uint64_t now = lc_clock_now_ns();
        if (now < boundary) {
            uint64_t nap = boundary - now;
            lc_clock_sleep_ns(nap < POLL_SLICE_NS ? nap : POLL_SLICE_NS, NULL);
            continue;
        }
        tick(ag, boundary, boundary == phase_end);
        if (boundary == phase_end) {
            finish_phase(ag, boundary);
            if (ag->phase + 1 >= plan->phase_count) {
                /* The workers stop by themselves now; no more ticks: the drain's
                 * answers go into the last interval, and nothing is asked of
                 * live control after the run's end (the tick at the end time
                 * must not come round a second time). */
                phase_end = next_tick = UINT64_MAX;
                continue;
            }
            ag->phase++;
            ag->ctl_active = 0; /* a live change holds for its phase only */
            if (open_phase(ag, ag->phase, boundary - ag->t0_ns) != 0)
                return LC_ENOMEM;
            uint64_t d = plan->phases[ag->phase].duration_ns;
            phase_end = d ? boundary + d : UINT64_MAX;
            next_tick = boundary + TICK_NS;
        } else {
            next_tick += TICK_NS;
        }
    }
    return 0;
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The engine's part of a plan's validation: what would make the run meaningless. */
static int check_plan(const struct lc_load_plan *plan, struct lc_error *err)
{
    if (plan->phase_count == 0 || plan->request_count == 0 || plan->connections == 0 ||
        plan->addrs.count == 0)
        return lc_error_set(err, LC_EINVAL, "the load plan is empty (no phase, request or target)");
    for (size_t i = 0; i < plan->phase_count; i++) {
        const struct lc_load_phase *ph = &plan->phases[i];
        if (ph->stage_count == 0)
            return lc_error_set(err, LC_EINVAL, "phase '%s' has no stages", ph->name);
        if (ph->duration_ns == 0 && (i + 1 < plan->phase_count || !plan->max_requests))
            return lc_error_set(err, LC_EINVAL, "phase '%s' has no duration", ph->name);
    }
    return 0;
}

int lc_engine_run(const struct lc_load_plan *plan, const struct lc_engine_hooks *hooks,
                  struct lc_engine_outcome *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = check_plan(plan, err);
    if (rc != 0)
        return rc;
    uint32_t threads = lc_load_plan_threads(plan);
    struct lc_load_plan effective = *plan;
    effective.threads = threads;

    struct lc_engine_shared shared = {.plan = &effective};
    pthread_mutex_init(&shared.gate_lock, NULL);
    pthread_cond_init(&shared.gate_cond, NULL);
    pthread_mutex_init(&shared.control_lock, NULL);
    struct aggregator ag = {.plan = &effective,
                            .shared = &shared,
                            .out = out,
                            .hooks = hooks,
                            .nrec = plan->request_count + 1};
    uint32_t created = 0;

    out->phases = calloc(plan->phase_count, sizeof(*out->phases));
    ag.interval = alloc_recs(ag.nrec);
    if (!out->phases || !ag.interval || lc_recorder_init(&ag.all) != 0 || open_phase(&ag, 0, 0))
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
    const struct lc_tls_failure *first_tls = NULL;
    for (uint32_t i = 0; i < created; i++) {
        established += ag.workers[i].established_at_start;
        if (!first_errno)
            first_errno = ag.workers[i].first_connect_errno;
        if (!first_tls && ag.workers[i].first_tls_failed)
            first_tls = &ag.workers[i].first_tls_failure;
    }
    if (rc == 0 && established == 0) {
        char where[64], why[512];
        lc_addr_format(&plan->addrs.addrs[0], where, sizeof(where));
        if (first_errno || !first_tls)
            snprintf(why, sizeof(why), "%s", first_errno ? strerror(first_errno) : "unknown error");
        else
            lc_tls_failure_describe(first_tls, why, sizeof(why));
        rc = lc_error_set(err, LC_ECONNECT, "cannot connect to %s (%s): %s", plan->target, where,
                          why);
    }
    if (rc != 0)
        shared.stop_mode = LC_STOP_NOW;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    out->start_wall_ns = lc_clock_wall_ns();
    shared.t0_ns = ag.t0_ns = ag.interval_start_ns = lc_clock_now_ns();
    out->start_mono_ns = ag.t0_ns;
    shared.go = 1;
    pthread_cond_broadcast(&shared.gate_cond);
    pthread_mutex_unlock(&shared.gate_lock);

    if (rc == 0 && aggregate(&ag) != 0) {
        rc = lc_error_set(err, LC_ENOMEM, "out of memory for histograms");
        stop_workers(&ag, LC_STOP_NOW);
    }
    for (uint32_t i = 0; i < created; i++)
        pthread_join(ag.workers[i].thread, NULL);
    if (rc == 0) {
        uint64_t end = lc_clock_now_ns();
        getrusage(RUSAGE_SELF, &ru1);
        for (uint32_t i = 0; i < created; i++) {
            struct lc_worker *w = &ag.workers[i];
            for (size_t r = 0; r < ag.nrec; r++)
                lc_recorder_merge(&ag.interval[r], &w->rec[w->cur][r]);
            out->inflight_at_stop += w->inflight_at_stop;
            out->unsent += w->unsent;
        }
        uint64_t total = lc_load_plan_duration(plan);
        uint64_t planned_end = total == UINT64_MAX ? UINT64_MAX : ag.t0_ns + total;
        uint64_t stop = end < planned_end ? end : planned_end;
        if (stop < ag.interval_start_ns)
            stop = ag.interval_start_ns;
        close_interval(&ag, stop);
        finish_phase(&ag, stop);
        out->end_wall_ns = lc_clock_wall_ns();
        out->duration_ns = stop - ag.t0_ns;
        out->connections_requested = plan->connections;
        out->connections_established = established;
        out->gen_user_s = tv_seconds(ru1.ru_utime) - tv_seconds(ru0.ru_utime);
        out->gen_sys_s = tv_seconds(ru1.ru_stime) - tv_seconds(ru0.ru_stime);
    }
    for (uint32_t i = 0; i < ag.nworkers; i++)
        lc_worker_free(&ag.workers[i]);
    free(ag.workers);
    free_recs(ag.interval, ag.nrec);
    lc_recorder_free(&ag.all);
    pthread_mutex_destroy(&shared.gate_lock);
    pthread_cond_destroy(&shared.gate_cond);
    pthread_mutex_destroy(&shared.control_lock);
    if (rc != 0)
        lc_engine_outcome_free(out);
    return rc;
}
