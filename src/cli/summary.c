/* The terminal summary of a load Result: what a person reads first after a run. */
#include "cli/summary.h"

#include <math.h>
#include <string.h>

#include "core/parse.h"
#include "monitor/growth.h"

static const double chart_percentiles[] = {50, 75, 90, 95, 99, 99.9, 99.99, 100};
#define CHART_WIDTH 40

static char *dur(int64_t ns, char *buf, size_t size)
{
    return lc_format_duration(ns > 0 ? (uint64_t)ns : 0, buf, size);
}

/* One row of latency figures: min mean stdev p50 p90 p95 p99 p99.9 max. */
static void hist_row(FILE *out, const char *label, const struct lc_hdr *h)
{
    char b[9][24];
    if (h->total_count == 0)
        return; /* e.g. connect times when every connection was made in the warmup */
    fprintf(out, "  %-10s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s\n", label,
            dur(lc_hdr_min(h), b[0], 24), dur((int64_t)lc_hdr_mean(h), b[1], 24),
            dur((int64_t)lc_hdr_stdev(h), b[2], 24),
            dur(lc_hdr_value_at_percentile(h, 50), b[3], 24),
            dur(lc_hdr_value_at_percentile(h, 90), b[4], 24),
            dur(lc_hdr_value_at_percentile(h, 95), b[5], 24),
            dur(lc_hdr_value_at_percentile(h, 99), b[6], 24),
            dur(lc_hdr_value_at_percentile(h, 99.9), b[7], 24), dur(lc_hdr_max(h), b[8], 24));
}

/* A bar per percentile, on a log scale so that a 1000x tail still fits the width. */
static void percentile_chart(FILE *out, const struct lc_hdr *h)
{
    if (h->total_count == 0)
        return;
    double lo = (double)lc_hdr_value_at_percentile(h, 0);
    double hi = (double)lc_hdr_max(h);
    if (lo < 1000)
        lo = 1000;
    double span = log(hi > lo ? hi / lo : 1.0000001);
    fprintf(out, "\n  latency percentiles (bar length: log scale from %s)\n",
            lc_format_duration((uint64_t)lo, (char[24]){0}, 24));
    for (size_t i = 0; i < sizeof(chart_percentiles) / sizeof(chart_percentiles[0]); i++) {
        double p = chart_percentiles[i];
        int64_t v = p >= 100 ? lc_hdr_max(h) : lc_hdr_value_at_percentile(h, p);
        double frac = span > 0 && v > lo ? log((double)v / lo) / span : 0;
        int bars = 1 + (int)(frac * (CHART_WIDTH - 1) + 0.5);
        char label[16], b[24];
        snprintf(label, sizeof(label), "%g%%", p);
        fprintf(out, "  %7s %9s |", label, dur(v, b, sizeof(b)));
        for (int k = 0; k < bars; k++)
            fputc('#', out);
        fputc('\n', out);
    }
}

static void status_line(FILE *out, const struct lc_result_stats *s)
{
    int any = 0;
    for (int code = 0; code < LC_RESULT_STATUS_MAX; code++) {
        if (!s->status[code])
            continue;
        if (!any)
            fprintf(out, "  status     ");
        fprintf(out, " %d: %llu", code, (unsigned long long)s->status[code]);
        any = 1;
    }
    if (any)
        fputc('\n', out);
}

static void error_lines(FILE *out, const struct lc_result_stats *s)
{
    double rate = lc_result_stats_error_rate(s) * 100;
    fprintf(out, "  errors      %llu (%.2f%%)\n", (unsigned long long)s->errors, rate);
    for (size_t i = 0; i < s->n_error_kinds; i++)
        fprintf(out, "    %-24s %llu\n", s->error_kinds[i].kind,
                (unsigned long long)s->error_kinds[i].count);
}

/* The target's resources per phase, when it was monitored. */
static void resource_lines(FILE *out, const struct lc_result *r)
{
    if (!lc_result_find_resource(r, "sut.cpu_percent") &&
        !lc_result_find_resource(r, "sut.rss_bytes"))
        return;
    fprintf(out, "\n  target      %-14s %-16s %-22s %s\n", "phase", "cpu mean/max",
            "memory start/peak", "growth");
    for (size_t i = 0; i < r->n_phases; i++) {
        struct lc_monitor_window w;
        if (lc_monitor_phase_stats(r, r->phases[i], &w) != 0)
            continue;
        char cpu[40] = "-", mem[48] = "-", growth[96] = "-", a[24], b[24];
        if (w.cpu_n)
            snprintf(cpu, sizeof(cpu), "%.0f%% / %.0f%%", w.cpu_mean_percent, w.cpu_max_percent);
        if (w.rss_n) {
            snprintf(mem, sizeof(mem), "%s / %s", lc_format_bytes(w.rss_baseline_bytes, a, 24),
                     lc_format_bytes(w.rss_peak_bytes, b, 24));
            snprintf(growth, sizeof(growth), "%+.1f MB/h (%s)", w.growth.slope * 3600.0 / 1048576.0,
                     lc_growth_verdict_name(w.growth.verdict));
        }
        fprintf(out, "              %-14.14s %-16s %-22s %s\n", r->phases[i]->name, cpu, mem,
                growth);
    }
}

/* https: handshakes (every phase, warmup included, like connections), versions, verification. */
static void tls_lines(FILE *out, const struct lc_result *r)
{
    const struct lc_result_load *l = &r->load;
    const struct lc_hdr *h = &r->total.hist[LC_HIST_TLS_HANDSHAKE];
    uint64_t full = 0, resumed = 0;
    char b1[24], b2[24];
    for (size_t i = 0; i < r->n_phases; i++) {
        full += r->phases[i]->stats.tls_handshakes_full;
        resumed += r->phases[i]->stats.tls_handshakes_resumed;
    }
    fprintf(out, "  handshakes  full %llu, resumed %llu", (unsigned long long)full,
            (unsigned long long)resumed);
    if (h->total_count > 0)
        fprintf(out, "; time p50 %s p99 %s", dur(lc_hdr_value_at_percentile(h, 50), b1, 24),
                dur(lc_hdr_value_at_percentile(h, 99), b2, 24));
    fprintf(out, "; TLS >= %s, %s\n", l->tls_min_version,
            l->tls_verify ? "certificate verified" : "certificate NOT verified (--insecure)");
    if (l->tls_verify_error)
        fprintf(out, "  tls verify  failed: %s\n", l->tls_verify_error);
}

void lc_summary_print_load(FILE *out, const struct lc_result *r)
{
    const struct lc_result_stats *s = &r->total;
    const struct lc_result_load *l = &r->load;
    /* Which models the recorded phases used: the notes and rows depend on it. */
    int n_open = 0, n_closed = 0;
    double secs = 0;
    for (size_t i = 0; i < r->n_phases; i++) {
        if (!r->phases[i]->recorded)
            continue;
        secs += (double)r->phases[i]->duration_ns / 1e9;
        if (r->phases[i]->model == LC_RESULT_MODEL_OPEN)
            n_open++;
        else
            n_closed++;
    }
    int open = n_open > 0 && n_closed == 0;
    int mixed = n_open > 0 && n_closed > 0;
    char b1[24], b2[24];

    if (r->kind == LC_RESULT_KIND_RUN) {
        fprintf(out, "\nscenario %s -> %s: %zu phase%s, %u thread%s", r->name ? r->name : "",
                l->target_url ? l->target_url : "", r->n_phases, r->n_phases == 1 ? "" : "s",
                l->threads, l->threads == 1 ? "" : "s");
    } else {
        fprintf(out, "\n%s  %s model, %u %s, %u thread%s", l->target_url ? l->target_url : "",
                open ? "open" : "closed", l->connections, open ? "max connections" : "users",
                l->threads, l->threads == 1 ? "" : "s");
        if (open)
            fprintf(out, ", %g req/s %s arrivals", l->rate_per_s,
                    l->arrival == LC_RESULT_ARRIVAL_POISSON ? "poisson" : "uniform");
    }
    if (r->partial)
        fprintf(out, "  [PARTIAL: %s]", r->stop_reason ? r->stop_reason : "stopped early");
    fputc('\n', out);

    uint64_t ok = s->requests - s->errors;
    fprintf(out, "\n  requests    %llu in %.2fs, %.1f req/s", (unsigned long long)s->requests, secs,
            secs > 0 ? (double)s->requests / secs : 0.0);
    if (open && s->target_rps > 0)
        fprintf(out, " (target %.1f/s)", s->target_rps);
    fprintf(out, "; %llu succeeded\n", (unsigned long long)ok);
    fprintf(out, "  transfer    in %s (%s/s), out %s\n",
            lc_format_bytes((double)s->bytes_in, b1, 24),
            lc_format_bytes(secs > 0 ? (double)s->bytes_in / secs : 0, b2, 24),
            lc_format_bytes((double)s->bytes_out, (char[24]){0}, 24));
    error_lines(out, s);
    status_line(out, s);

    fprintf(out, "\n  %-10s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s\n", "", "min", "mean",
            "stdev", "p50", "p90", "p95", "p99", "p99.9", "max");
    if (open || mixed) {
        hist_row(out, "latency", &s->hist[LC_HIST_LATENCY]);
        hist_row(out, "service", &s->hist[LC_HIST_SERVICE]);
    } else {
        hist_row(out, "latency", &s->hist[LC_HIST_SERVICE]);
    }
    hist_row(out, "ttfb", &s->hist[LC_HIST_TTFB]);
    hist_row(out, "connect", &s->hist[LC_HIST_CONNECT]);
    hist_row(out, "handshake", &s->hist[LC_HIST_TLS_HANDSHAKE]);
    if (mixed)
        fprintf(out, "  open-model phases: latency from each request's scheduled start "
                     "(coordinated omission\n  corrected); closed-model phases: service time "
                     "(from the actual send).\n");
    else if (open)
        fprintf(out, "  latency runs from each request's scheduled start (coordinated omission "
                     "corrected);\n  service time from its actual send.\n");
    else
        fprintf(out, "  closed model: latency is service time (from the actual send); a stalled "
                     "server\n  also delays the sends, so use -R (open model) for the "
                     "user-visible tail.\n");

    /* Connections live across phases: count those opened in any, warmup included. */
    uint64_t opened = 0, reconnects = 0;
    for (size_t i = 0; i < r->n_phases; i++) {
        opened += r->phases[i]->stats.connections_established;
        reconnects += r->phases[i]->stats.reconnects;
    }
    fprintf(out,
            "\n  connections %llu requested, %llu opened (%llu reconnects); %llu requests in "
            "flight at stop\n",
            (unsigned long long)s->connections_requested, (unsigned long long)opened,
            (unsigned long long)reconnects, (unsigned long long)s->in_flight_at_stop);
    if (l->tls_min_version)
        tls_lines(out, r);
    if (open || mixed) {
        const struct lc_hdr *lag = &s->hist[LC_HIST_SCHEDULE_LAG];
        double sent = (double)lag->total_count;
        double late_pct = sent > 0 ? 100.0 * (double)s->late_starts / sent : 0;
        fprintf(out,
                "  schedule    lag p50 %s p99 %s; %.2f%% started late (> 1ms); %llu "
                "scheduled but never sent\n",
                dur(lc_hdr_value_at_percentile(lag, 50), b1, 24),
                dur(lc_hdr_value_at_percentile(lag, 99), b2, 24), late_pct,
                (unsigned long long)s->unsent);
    }
    double cpu = r->gen_cpu_user_s + r->gen_cpu_sys_s;
    if (cpu > 0 && s->requests > 0)
        fprintf(out, "  generator   CPU %.2fs user + %.2fs sys = %.2f us per request\n",
                r->gen_cpu_user_s, r->gen_cpu_sys_s, cpu * 1e6 / (double)s->requests);
    percentile_chart(out, open || mixed ? &s->hist[LC_HIST_LATENCY] : &s->hist[LC_HIST_SERVICE]);
    resource_lines(out, r);
    for (size_t i = 0; i < r->n_warnings; i++)
        fprintf(out, "\n  WARNING: %s", r->warnings[i]);
    fputc('\n', out);
}

/*
 * A breakpoint search's figures (docs/scenarios.md): held is the rate of the
 * last whole second before the stop in which stop_when did not hold, failed
 * the rate at which it began to hold for good; 0 is "none".
 */
static void breakpoint_line(FILE *out, const struct lc_result_phase *ph)
{
    double held = ph->breakpoint_held_rps, failed = ph->breakpoint_failed_rps;
    if (failed > 0 && held > 0)
        fprintf(out, "    breakpoint: held up to %.1f/s, failed at %.1f/s\n", held, failed);
    else if (failed > 0)
        fprintf(out, "    breakpoint: failed at %.1f/s, from the first second (no rate held)\n",
                failed);
    else if (held > 0)
        fprintf(out,
                "    breakpoint: held up to %.1f/s; stop_when never held 2 s in a row "
                "(no breaking point found)\n",
                held);
    else
        fprintf(out, "    breakpoint: no verdict: no whole second held and stop_when never "
                     "held 2 s in a row\n");
}

void lc_summary_print_phases(FILE *out, const struct lc_result *r)
{
    if (r->n_phases < 2 && !(r->n_phases == 1 && r->phases[0]->breakpoint))
        return;
    fprintf(out, "\n  %-14s %-6s %8s %10s %9s %10s %7s %-8s %-8s %-8s\n", "phase", "model", "time",
            "level", "requests", "req/s", "errors", "p50", "p95", "p99");
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        const struct lc_result_stats *s = &ph->stats;
        int open = ph->model == LC_RESULT_MODEL_OPEN;
        const struct lc_hdr *h = open ? &s->hist[LC_HIST_LATENCY] : &s->hist[LC_HIST_SERVICE];
        if (!open && !s->has_hist[LC_HIST_SERVICE])
            h = &s->hist[LC_HIST_LATENCY];
        char level[32], b[3][24];
        if (open)
            snprintf(level, sizeof(level), "%.0f/s", ph->target_rps);
        else
            snprintf(level, sizeof(level), "%u users", ph->target_users);
        fprintf(out, "  %-14.14s %-6s %7.1fs %10s %9llu %10.1f %6.2f%% %-8s %-8s %-8s%s\n",
                ph->name, open ? "open" : "closed", (double)ph->duration_ns / 1e9, level,
                (unsigned long long)s->requests, s->rps, lc_result_stats_error_rate(s) * 100,
                dur(lc_hdr_value_at_percentile(h, 50), b[0], 24),
                dur(lc_hdr_value_at_percentile(h, 95), b[1], 24),
                dur(lc_hdr_value_at_percentile(h, 99), b[2], 24),
                ph->recorded ? "" : "  (not recorded)");
        for (size_t k = 0; k < ph->n_requests; k++) {
            const struct lc_result_stats *q = &ph->requests[k]->stats;
            const struct lc_hdr *qh = open || !q->has_hist[LC_HIST_SERVICE]
                                          ? &q->hist[LC_HIST_LATENCY]
                                          : &q->hist[LC_HIST_SERVICE];
            fprintf(out, "    %-12.12s %26s %9llu %10.1f %6.2f%% %-8s %-8s %-8s\n",
                    ph->requests[k]->name, "", (unsigned long long)q->requests, q->rps,
                    lc_result_stats_error_rate(q) * 100,
                    dur(lc_hdr_value_at_percentile(qh, 50), b[0], 24),
                    dur(lc_hdr_value_at_percentile(qh, 95), b[1], 24),
                    dur(lc_hdr_value_at_percentile(qh, 99), b[2], 24));
        }
        if (ph->breakpoint)
            breakpoint_line(out, ph);
    }
}
