/* Synthetic Results for the findings and report tests: phases, seconds, names, resources. */
#ifndef LC_TEST_REPORT_SYNTH_H
#define LC_TEST_REPORT_SYNTH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/hdr.h"
#include "results/result.h"

/* A fresh http Result on an 8-core host, 2 generator threads; free with lc_result_free. */
static inline void synth_init(struct lc_result *r)
{
    lc_result_init(r, LC_RESULT_KIND_HTTP);
    assert_int_equal(lc_result_set_str(&r->name, "synthetic"), 0);
    assert_int_equal(lc_result_set_str(&r->tool_version, "0.0.0-test"), 0);
    r->start_wall_ns = 1717243200000000000ull;
    r->host.logical_cores = 8;
    r->has_load = true;
    r->load.threads = 2;
    r->load.connections = 50;
    assert_int_equal(lc_result_set_str(&r->load.target_url, "http://127.0.0.1:8080/"), 0);
    assert_int_equal(lc_result_set_str(&r->load.method, "GET"), 0);
}

/* Append a phase starting at start_s lasting dur_s. */
static inline struct lc_result_phase *synth_phase(struct lc_result *r, const char *name,
                                                  enum lc_result_model m, double start_s,
                                                  double dur_s, bool recorded)
{
    struct lc_result_phase *ph;
    assert_int_equal(lc_result_add_phase(r, name, &ph), 0);
    ph->model = m;
    ph->start_offset_ns = (uint64_t)llround(start_s * 1e9);
    ph->duration_ns = (uint64_t)llround(dur_s * 1e9);
    ph->recorded = recorded;
    if (r->duration_ns < ph->start_offset_ns + ph->duration_ns) {
        r->duration_ns = ph->start_offset_ns + ph->duration_ns;
        r->end_wall_ns = r->start_wall_ns + r->duration_ns;
    }
    return ph;
}

/*
 * Record n latencies shaped so that the histogram's p50 is about 0.9 * p50_ms
 * and its p99 is p99_ms: half at 0.9 p50, 48.5% at 1.2 p50, 1.5% at p99.
 */
static inline void synth_shape(struct lc_result_stats *s, uint64_t n, double p50_ms, double p99_ms)
{
    assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_LATENCY), 0);
    struct lc_hdr *h = &s->hist[LC_HIST_LATENCY];
    uint64_t a = n / 2, c = (uint64_t)ceil((double)n * 0.015);
    if (c > n - a)
        c = n - a;
    uint64_t b = n - a - c;
    lc_hdr_record_n(h, (int64_t)(0.9 * p50_ms * 1e6), (int64_t)a);
    lc_hdr_record_n(h, (int64_t)(1.2 * p50_ms * 1e6), (int64_t)b);
    lc_hdr_record_n(h, (int64_t)(p99_ms * 1e6), (int64_t)c);
}

/* The series point of the second ending at t_s (p90 = 1.2 p50, max = 1.3 p99). */
static inline void synth_point(struct lc_result_phase *ph, double t_s, uint64_t req, uint64_t err,
                               uint64_t active, double target_rps, double p50_ms, double p99_ms)
{
    struct lc_result_point p;
    memset(&p, 0, sizeof(p));
    p.t_s = t_s;
    p.requests = req;
    p.errors = err;
    p.bytes_in = req * 200;
    p.active = active;
    p.target_rps = target_rps;
    p.latency_p50_ns = (uint64_t)(p50_ms * 1e6);
    p.latency_p90_ns = (uint64_t)(1.2 * p50_ms * 1e6);
    p.latency_p99_ns = (uint64_t)(p99_ms * 1e6);
    p.latency_max_ns = (uint64_t)(p99_ms * 1.3e6);
    assert_int_equal(lc_result_phase_add_point(ph, &p), 0);
}

/*
 * req requests in phase ph's stats and, when name is not NULL, in that
 * request name's stats: latencies shaped by synth_shape, err errors of
 * `kind` ("timeout" when NULL; "status_503" also counts status 503).
 */
static inline void synth_reqs(struct lc_result_phase *ph, const char *name, uint64_t req,
                              uint64_t err, const char *kind, double p50_ms, double p99_ms)
{
    struct lc_result_stats *targets[2] = {&ph->stats, NULL};
    if (name)
        assert_int_equal(lc_result_phase_request(ph, name, &targets[1]), 0);
    for (int i = 0; i < 2; i++) {
        struct lc_result_stats *s = targets[i];
        if (!s)
            continue;
        s->requests += req;
        s->bytes_in += req * 200;
        s->bytes_out += req * 80;
        if (req)
            synth_shape(s, req, p50_ms, p99_ms);
        if (err) {
            assert_int_equal(lc_result_stats_add_error(s, kind ? kind : "timeout", err), 0);
            if (kind && strcmp(kind, "status_503") == 0)
                lc_result_stats_add_status(s, 503, err);
        }
        lc_result_stats_add_status(s, 200, req - err);
    }
}

/* One second of one request name: the point and the requests (a constant target sets the rate). */
static inline void synth_second(struct lc_result_phase *ph, const char *name, double t_s,
                                uint64_t req, uint64_t err, const char *kind, uint64_t active,
                                double target_rps, double p50_ms, double p99_ms)
{
    synth_point(ph, t_s, req, err, active, target_rps, p50_ms, p99_ms);
    synth_reqs(ph, name, req, err, kind, p50_ms, p99_ms);
    if (target_rps > 0)
        ph->stats.target_rps = target_rps;
}

/* Add a resource series name (unit) with n samples, one per second from 1 s: value = f(i). */
static inline struct lc_result_resource *synth_resource(struct lc_result *r, const char *name,
                                                        const char *unit)
{
    struct lc_result_resource *res;
    assert_int_equal(lc_result_add_resource(r, name, unit, &res), 0);
    return res;
}

/* Close the Result: totals and rates. */
static inline void synth_done(struct lc_result *r)
{
    assert_int_equal(lc_result_compute_totals(r), 0);
}

#endif
