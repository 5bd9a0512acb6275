/* Interim: print the outcome (until the Result model lands). */
#include "cli/http_output.h"

#include <stdio.h>

#include "core/parse.h"

int lc_http_output_check(const char *path, struct lc_error *err)
{
    (void)path;
    (void)err;
    return 0;
}

int lc_http_output_finish(int argc, char **argv, const struct lc_load_plan *plan,
                          const struct lc_engine_outcome *o, const char *output,
                          struct lc_error *err)
{
    (void)argc;
    (void)argv;
    (void)output;
    (void)err;
    const struct lc_engine_phase *ph = &o->phases[o->phase_count - 1];
    const struct lc_recorder *r = &ph->total;
    char b[8][32];
    double secs = (double)ph->duration_ns / 1e9;
    printf("requests %llu sent %llu failed %llu in %.2fs = %.0f req/s\n",
           (unsigned long long)r->completed, (unsigned long long)r->sent,
           (unsigned long long)r->failed, secs, r->completed / secs);
    printf("latency p50 %s p90 %s p99 %s max %s | service p99 %s ttfb p50 %s lag p99 %s\n",
           lc_format_duration(lc_hdr_value_at_percentile(&r->latency, 50), b[0], 32),
           lc_format_duration(lc_hdr_value_at_percentile(&r->latency, 90), b[1], 32),
           lc_format_duration(lc_hdr_value_at_percentile(&r->latency, 99), b[2], 32),
           lc_format_duration(lc_hdr_max(&r->latency), b[3], 32),
           lc_format_duration(lc_hdr_value_at_percentile(&r->service, 99), b[4], 32),
           lc_format_duration(lc_hdr_value_at_percentile(&r->ttfb, 50), b[5], 32),
           lc_format_duration(lc_hdr_value_at_percentile(&r->lag, 99), b[6], 32));
    printf(
        "conns %u/%u inflight_at_stop %llu unsent %llu late %llu reconnects %llu cpu u%.2f s%.2f\n",
        o->connections_established, o->connections_requested,
        (unsigned long long)o->inflight_at_stop, (unsigned long long)o->unsent,
        (unsigned long long)r->late, (unsigned long long)r->reconnects, o->gen_user_s,
        o->gen_sys_s);
    for (int i = 0; i < LC_STATUS_MAX; i++)
        if (r->status[i])
            printf("status %d: %llu\n", i, (unsigned long long)r->status[i]);
    for (int i = 0; i < LC_FAIL_COUNT; i++)
        if (r->fail[i])
            printf("fail %s: %llu\n", lc_fail_kind_name(i), (unsigned long long)r->fail[i]);
    (void)plan;
    return 0;
}
