/* Conversion of engine recorders and series into Result stats and phases. */
#include "load/to_result.h"

#include <stdio.h>

/* Responses counted as errors by status or body check, named by the request's rule. */
static int add_check_errors(const struct lc_recorder *rec, const struct lc_load_request *req,
                            struct lc_result_stats *s)
{
    int rc = 0;
    for (int code = 0; code < LC_STATUS_MAX && rc == 0; code++) {
        if (!rec->status_failed[code])
            continue;
        char kind[48];
        if (req->expect_status_count)
            snprintf(kind, sizeof(kind), "check failed: status %d", code);
        else
            snprintf(kind, sizeof(kind), "status_%d", code);
        rc = lc_result_stats_add_error(s, kind, rec->status_failed[code]);
    }
    if (rc == 0 && rec->body_check_failed)
        rc = lc_result_stats_add_error(s, "check failed: body", rec->body_check_failed);
    return rc;
}

/*
 * Copy a recorder into Result stats (freshly initialised). With `req` (the
 * recorder of one request template) its status and body check errors are
 * added too; a caller merging several templates adds those per template.
 */
static int fill_stats(const struct lc_recorder *rec, const struct lc_load_plan *plan,
                      const struct lc_load_request *req, struct lc_result_stats *s)
{
    const struct lc_hdr *hists[LC_HIST_COUNT] = {
        [LC_HIST_LATENCY] = &rec->latency,  [LC_HIST_SERVICE] = &rec->service,
        [LC_HIST_TTFB] = &rec->ttfb,        [LC_HIST_CONNECT] = &rec->connect,
        [LC_HIST_SCHEDULE_LAG] = &rec->lag, [LC_HIST_TLS_HANDSHAKE] = &rec->tls_handshake,
    };
    int rc = 0;
    for (int i = 0; i < LC_HIST_COUNT && rc == 0; i++) {
        if (hists[i]->total_count == 0 && i != LC_HIST_LATENCY)
            continue; /* absent rather than empty: ~190 KB less per stats */
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
    /* Errors by kind: transport failures, then malformed-response reasons. */
    for (int k = 0; k < LC_FAIL_COUNT && rc == 0; k++)
        if (rec->fail[k] && k != LC_FAIL_MALFORMED)
            rc = lc_result_stats_add_error(s, lc_fail_kind_name(k), rec->fail[k]);
    for (int e = 0; e < LC_HTTP1_E_COUNT && rc == 0; e++)
        if (rec->malformed[e])
            rc = lc_result_stats_add_error(s, lc_malformed_name(e), rec->malformed[e]);
    if (rc == 0 && req)
        rc = add_check_errors(rec, req, s);
    s->connections_requested = plan->connections;
    s->connections_established = rec->connects;
    s->reconnects = rec->reconnects;
    s->late_starts = rec->late;
    s->tls_handshakes_full = rec->tls_full;
    s->tls_handshakes_resumed = rec->tls_resumed;
    return rc;
}

/* A phase's stats over every request template and the connection events. */
static int fill_phase_stats(const struct lc_load_plan *plan, const struct lc_engine_phase *eph,
                            struct lc_result_stats *s)
{
    struct lc_recorder all;
    if (lc_recorder_init(&all) != 0)
        return LC_ENOMEM;
    for (size_t k = 0; k < eph->nrec; k++)
        lc_recorder_merge(&all, &eph->recs[k]);
    int rc = fill_stats(&all, plan, NULL, s);
    for (size_t k = 0; rc == 0 && k < plan->request_count; k++)
        rc = add_check_errors(&eph->recs[k], &plan->requests[k], s);
    lc_recorder_free(&all);
    return rc;
}

static int fill_phase(const struct lc_load_plan *plan, const struct lc_engine_outcome *out,
                      size_t index, struct lc_result *r)
{
    const struct lc_engine_phase *eph = &out->phases[index];
    const struct lc_load_phase *pp = &plan->phases[index];
    struct lc_result_phase *ph;
    int rc = lc_result_add_phase(r, eph->name, &ph);
    if (rc != 0)
        return rc;
    int open = pp->model == LC_MODEL_OPEN;
    ph->model = open ? LC_RESULT_MODEL_OPEN : LC_RESULT_MODEL_CLOSED;
    ph->start_offset_ns = eph->start_offset_ns;
    ph->duration_ns = eph->duration_ns;
    ph->recorded = eph->recorded;
    ph->target_users = open ? 0 : (uint32_t)(pp->peak + 0.5);
    ph->target_rps = open ? pp->peak : 0;
    rc = fill_phase_stats(plan, eph, &ph->stats);
    double secs = (double)eph->duration_ns / 1e9;
    /* The mean rate asked for: arrivals planned over the time the phase ran. */
    double asked = open && secs > 0 ? lc_load_phase_cumulative(pp, eph->duration_ns) / secs : 0;
    ph->stats.target_rps = asked;
    if (rc == 0 && index + 1 == out->phase_count) {
        ph->stats.in_flight_at_stop = out->inflight_at_stop;
        ph->stats.unsent = out->unsent;
    }
    for (size_t k = 0; rc == 0 && k < plan->request_count; k++) {
        const struct lc_recorder *rec = &eph->recs[k];
        if (rec->completed + rec->failed + rec->sent == 0)
            continue; /* never picked in this phase */
        struct lc_result_stats *rs;
        rc = lc_result_phase_request(ph, plan->requests[k].name, &rs);
        if (rc == 0)
            rc = fill_stats(rec, plan, &plan->requests[k], rs);
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
    const struct lc_load_phase *last = &plan->phases[plan->phase_count - 1];
    int open = last->model == LC_MODEL_OPEN;
    int rc = lc_result_set_str(&r->load.target_url, plan->target);
    if (rc == 0 && plan->request_count)
        rc = lc_result_set_str(&r->load.method, plan->requests[0].method);
    r->has_load = true;
    r->load.model = open ? LC_RESULT_MODEL_OPEN : LC_RESULT_MODEL_CLOSED;
    r->load.connections = plan->connections;
    r->load.threads = lc_load_plan_threads(plan);
    r->load.rate_per_s = open ? last->peak : 0;
    r->load.arrival =
        plan->arrival == LC_ARRIVAL_POISSON ? LC_RESULT_ARRIVAL_POISSON : LC_RESULT_ARRIVAL_UNIFORM;
    uint64_t total = lc_load_plan_duration(plan);
    r->load.duration_ns = total == UINT64_MAX ? 0 : total;
    r->load.request_limit = plan->max_requests;
    r->load.timeout_ns = plan->timeout_ns;
    r->load.warmup_ns = 0;
    for (size_t i = 0; i < plan->phase_count; i++)
        if (!plan->phases[i].recorded)
            r->load.warmup_ns += plan->phases[i].duration_ns;
    r->load.pipeline_depth = plan->pipeline;
    r->load.think_min_ns = last->think_min_ns;
    r->load.think_max_ns = last->think_max_ns;
    if (rc == 0 && plan->tls) {
        r->load.tls_verify = plan->tls_verify != 0;
        rc =
            lc_result_set_str(&r->load.tls_min_version, lc_tls_version_name(plan->tls_min_version));
        long code = 0; /* the latest verification failure of any phase */
        for (size_t i = 0; i < out->phase_count; i++) {
            const struct lc_engine_phase *eph = &out->phases[i];
            for (size_t k = 0; k < eph->nrec; k++)
                if (eph->recs[k].tls_verify_code)
                    code = eph->recs[k].tls_verify_code;
        }
        if (rc == 0 && code)
            rc = lc_result_set_str(&r->load.tls_verify_error, lc_tls_verify_reason(code));
    }
    r->start_wall_ns = out->start_wall_ns;
    r->end_wall_ns = out->end_wall_ns;
    r->duration_ns = out->duration_ns;
    r->partial = out->partial; /* a stop asked by a hook: the caller says why */
    if (rc == 0 && out->partial)
        rc = lc_result_set_str(&r->stop_reason, "interrupted");
    for (size_t i = 0; rc == 0 && i < out->phase_count; i++)
        rc = fill_phase(plan, out, i, r);
    if (rc == 0)
        rc = lc_result_compute_totals(r);
    if (rc == 0) {
        /* Figures that belong to the run, not a phase. */
        r->total.in_flight_at_stop = out->inflight_at_stop;
        r->total.unsent = out->unsent;
        r->total.connections_requested = plan->connections;
        for (size_t i = 0; i < r->n_phases; i++)
            r->phases[i]->stats.connections_requested = plan->connections;
    }
    /* Live changes (the dashboard) change what the figures mean: each is a warning. */
    for (size_t i = 0; rc == 0 && i < out->control_count; i++) {
        const struct lc_engine_control_change *c = &out->controls[i];
        const char *name = c->phase < out->phase_count ? out->phases[c->phase].name : "?";
        rc = lc_result_add_warning(r,
                                   "at %.1fs the live dashboard changed phase '%s' from %g to "
                                   "%g %s until its end: its figures mix both levels",
                                   c->t_s, name, c->from_level, c->to_level,
                                   c->open ? "requests/s" : "users");
    }
    if (rc != 0)
        return lc_error_set(err, rc, "cannot build the result: %s", lc_strerror(rc));
    return 0;
}
