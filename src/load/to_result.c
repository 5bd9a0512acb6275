/* Conversion of engine recorders and series into Result stats and phases. */
#include "load/to_result.h"

#include <stdio.h>

/* Copy a recorder into Result stats (which must be freshly initialised). */
static int fill_stats(const struct lc_recorder *rec, const struct lc_load_plan *plan,
                      double seconds, struct lc_result_stats *s)
{
    const struct lc_hdr *hists[LC_HIST_COUNT] = {
        [LC_HIST_LATENCY] = &rec->latency,  [LC_HIST_SERVICE] = &rec->service,
        [LC_HIST_TTFB] = &rec->ttfb,        [LC_HIST_CONNECT] = &rec->connect,
        [LC_HIST_SCHEDULE_LAG] = &rec->lag,
    };
    int rc = 0;
    for (int i = 0; i < LC_HIST_COUNT && rc == 0; i++) {
        rc = lc_result_stats_enable_hist(s, (enum lc_result_hist)i);
        if (rc == 0) {
            lc_hdr_merge(&s->hist[i], hists[i]);
            s->clamped += (uint64_t)hists[i]->clamped;
        }
    }
    s->requests = rec->completed + rec->failed;
    s->bytes_in = rec->bytes_in;
    s->bytes_out = rec->bytes_out;
    for (int code = 0; code < LC_STATUS_MAX; code++)
        if (rec->status[code])
            lc_result_stats_add_status(s, code, rec->status[code]);
    /* Errors by kind: transport failures, malformed reasons, then statuses >= 400. */
    for (int k = 0; k < LC_FAIL_COUNT && rc == 0; k++)
        if (rec->fail[k] && k != LC_FAIL_MALFORMED)
            rc = lc_result_stats_add_error(s, lc_fail_kind_name(k), rec->fail[k]);
    for (int e = 0; e < LC_HTTP1_E_COUNT && rc == 0; e++)
        if (rec->malformed[e])
            rc = lc_result_stats_add_error(s, lc_malformed_name(e), rec->malformed[e]);
    for (int code = 400; code < LC_STATUS_MAX && rc == 0; code++) {
        if (!rec->status[code])
            continue;
        char kind[32];
        snprintf(kind, sizeof(kind), "status_%d", code);
        rc = lc_result_stats_add_error(s, kind, rec->status[code]);
    }
    s->connections_requested = plan->connections;
    s->connections_established = rec->connects;
    s->reconnects = rec->reconnects;
    s->late_starts = rec->late;
    s->rps = seconds > 0 ? (double)rec->completed / seconds : 0;
    s->target_rps = plan->model == LC_MODEL_OPEN ? plan->rate_per_s : 0;
    return rc;
}

static int fill_phase(const struct lc_load_plan *plan, const struct lc_engine_outcome *out,
                      const struct lc_engine_phase *eph, int last, struct lc_result *r)
{
    struct lc_result_phase *ph;
    int rc = lc_result_add_phase(r, eph->name, &ph);
    if (rc != 0)
        return rc;
    ph->model = plan->model == LC_MODEL_OPEN ? LC_RESULT_MODEL_OPEN : LC_RESULT_MODEL_CLOSED;
    ph->start_offset_ns = eph->start_offset_ns;
    ph->duration_ns = eph->duration_ns;
    ph->recorded = eph->recorded;
    ph->target_users = plan->model == LC_MODEL_CLOSED ? plan->connections : 0;
    ph->target_rps = plan->model == LC_MODEL_OPEN ? plan->rate_per_s : 0;
    double secs = (double)eph->duration_ns / 1e9;
    rc = fill_stats(&eph->total, plan, secs, &ph->stats);
    if (rc == 0 && last) {
        ph->stats.in_flight_at_stop = out->inflight_at_stop;
        ph->stats.unsent = out->unsent;
    }
    /* One request template per run today: its stats are the phase's. */
    for (size_t i = 0; rc == 0 && i < plan->request_count; i++) {
        struct lc_result_stats *rs;
        rc = lc_result_phase_request(ph, plan->requests[i].name, &rs);
        if (rc == 0)
            rc = lc_result_stats_merge(rs, &ph->stats);
        if (rc == 0) {
            rs->rps = ph->stats.rps;
            rs->target_rps = ph->stats.target_rps;
        }
    }
    for (size_t i = 0; rc == 0 && i < eph->series_len; i++) {
        const struct lc_series_point *p = &eph->series[i];
        struct lc_result_point rp = {
            .t_s = p->t_s,
            .requests = p->requests,
            .errors = p->errors,
            .bytes_in = p->bytes_in,
            .active = p->active,
            .target_rps = p->target_rate,
            .latency_p50_ns = (uint64_t)p->p50_ns,
            .latency_p90_ns = (uint64_t)p->p90_ns,
            .latency_p99_ns = (uint64_t)p->p99_ns,
            .latency_max_ns = (uint64_t)p->max_ns,
            .schedule_lag_p99_ns = (uint64_t)p->lag_p99_ns,
        };
        rc = lc_result_phase_add_point(ph, &rp);
    }
    return rc;
}

int lc_load_fill_result(const struct lc_load_plan *plan, const struct lc_engine_outcome *out,
                        struct lc_result *r, struct lc_error *err)
{
    int rc = lc_result_set_str(&r->load.target_url, plan->target);
    if (rc == 0 && plan->request_count)
        rc = lc_result_set_str(&r->load.method, plan->requests[0].method);
    r->has_load = true;
    r->load.model = plan->model == LC_MODEL_OPEN ? LC_RESULT_MODEL_OPEN : LC_RESULT_MODEL_CLOSED;
    r->load.connections = plan->connections;
    r->load.threads = plan->threads;
    r->load.rate_per_s = plan->model == LC_MODEL_OPEN ? plan->rate_per_s : 0;
    r->load.arrival =
        plan->arrival == LC_ARRIVAL_POISSON ? LC_RESULT_ARRIVAL_POISSON : LC_RESULT_ARRIVAL_UNIFORM;
    r->load.duration_ns = plan->duration_ns;
    r->load.request_limit = plan->max_requests;
    r->load.timeout_ns = plan->timeout_ns;
    r->load.warmup_ns = plan->warmup_ns;
    r->load.pipeline_depth = plan->pipeline;
    r->load.think_min_ns = plan->think_min_ns;
    r->load.think_max_ns = plan->think_max_ns;
    r->start_wall_ns = out->start_wall_ns;
    r->end_wall_ns = out->end_wall_ns;
    r->duration_ns = out->duration_ns;
    r->partial = out->partial;
    if (rc == 0 && out->partial)
        rc = lc_result_set_str(&r->stop_reason, "interrupted");
    for (size_t i = 0; rc == 0 && i < out->phase_count; i++)
        rc = fill_phase(plan, out, &out->phases[i], i + 1 == out->phase_count, r);
    if (rc == 0)
        rc = lc_result_compute_totals(r);
    if (rc == 0) {
        /* Figures that belong to the run, not a phase. */
        r->total.in_flight_at_stop = out->inflight_at_stop;
        r->total.unsent = out->unsent;
        r->total.connections_requested = plan->connections;
    }
    if (rc != 0)
        return lc_error_set(err, rc, "cannot build the result: %s", lc_strerror(rc));
    return 0;
}
