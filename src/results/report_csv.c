/* CSV reports in Locust's layout: PREFIX_stats.csv, PREFIX_history.csv, PREFIX_failures.csv. */
#include "results/report_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "results/report_bench.h"
#include "results/report_buf.h"
#include "results/report_file.h"
#include "results/report_summary.h"
#include "results/result_json.h"

/* Locust's PERCENTILES_TO_REPORT and their column names. */
static const double pcts[] = {50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100};
static const char *const pct_names[] = {"50%", "66%", "75%",   "80%",    "90%", "95%",
                                        "98%", "99%", "99.9%", "99.99%", "100%"};
#define N_PCTS (sizeof(pcts) / sizeof(pcts[0]))

const char *lc_report_csv_suffix(enum lc_report_csv_file which)
{
    switch (which) {
    case LC_REPORT_CSV_STATS:
        return "_stats.csv";
    case LC_REPORT_CSV_HISTORY:
        return "_history.csv";
    case LC_REPORT_CSV_FAILURES:
        return "_failures.csv";
    case LC_REPORT_CSV_COUNT:
        break;
    }
    return ".csv";
}

/* ",value" with a number in ms (3 decimals), or ",N/A" when v is not finite. */
static void ms_field(struct lc_rbuf *b, double ns)
{
    if (isfinite(ns))
        lc_rbuf_printf(b, ",%.3f", ns / 1e6);
    else
        lc_rbuf_puts(b, ",N/A");
}

static void num_field(struct lc_rbuf *b, double v)
{
    if (isfinite(v))
        lc_rbuf_printf(b, ",%.3f", v);
    else
        lc_rbuf_puts(b, ",N/A");
}

static void stats_header(struct lc_rbuf *b)
{
    lc_rbuf_puts(b, "Type,Name,Request Count,Failure Count,Median Response Time,Average Response "
                    "Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,"
                    "Failures/s");
    for (size_t i = 0; i < N_PCTS; i++)
        lc_rbuf_printf(b, ",%s", pct_names[i]);
    lc_rbuf_puts(b, "\r\n");
}

/* One stats row of load stats s over `secs` seconds. */
static void stats_row(struct lc_rbuf *b, const char *type, const char *name,
                      const struct lc_result_stats *s, double secs)
{
    lc_rbuf_csv(b, type);
    lc_rbuf_putc(b, ',');
    lc_rbuf_csv(b, name);
    lc_rbuf_printf(b, ",%llu,%llu", (unsigned long long)s->requests, (unsigned long long)s->errors);
    const struct lc_hdr *h = &s->hist[LC_HIST_LATENCY];
    bool lat = s->has_hist[LC_HIST_LATENCY] && h->total_count > 0;
    ms_field(b, lat ? (double)lc_hdr_value_at_percentile(h, 50) : NAN);
    ms_field(b, lat ? lc_hdr_mean(h) : NAN);
    ms_field(b, lat ? (double)lc_hdr_min(h) : NAN);
    ms_field(b, lat ? (double)lc_hdr_max(h) : NAN);
    num_field(b, s->requests ? (double)s->bytes_in / (double)s->requests : 0);
    num_field(b, s->rps);
    num_field(b, secs > 0 ? (double)s->errors / secs : 0);
    for (size_t i = 0; i < N_PCTS; i++)
        ms_field(b, !lat             ? NAN
                    : pcts[i] >= 100 ? (double)lc_hdr_max(h)
                                     : (double)lc_hdr_value_at_percentile(h, pcts[i]));
    lc_rbuf_puts(b, "\r\n");
}

/* Seconds of the span of a request name's stats: requests / rps, else the recorded time. */
static double span_of(const struct lc_result_stats *s, double recorded_s)
{
    if (s->rps > 0 && s->requests > 0)
        return (double)s->requests / s->rps;
    return recorded_s;
}

static int render_stats(struct lc_rbuf *b, const struct lc_result *r)
{
    stats_header(b);
    char method[24], lab[512];
    /* Load rows (request names and the aggregate) unless the result is only benchmarks. */
    if (r->kind != LC_RESULT_KIND_BENCH && (r->n_phases > 0 || r->n_commands == 0)) {
        struct lc_report_figures fig;
        lc_report_figures(r, &fig);
        for (size_t i = 0; i < r->n_requests; i++) {
            const struct lc_result_named_stats *ns = r->requests[i];
            stats_row(b, lc_report_method_of(ns->name, method, sizeof(method)), ns->name,
                      &ns->stats, span_of(&ns->stats, fig.recorded_s));
        }
        stats_row(b, "", "Aggregated", &r->total, fig.recorded_s);
    }
    for (size_t i = 0; i < r->n_commands; i++) {
        const struct lc_result_bench_command *c = r->commands[i];
        struct lc_report_cmd_stats st;
        int rc = lc_report_cmd_stats(c, &st);
        if (rc)
            return rc;
        double *w = c->n_runs ? malloc(c->n_runs * sizeof(*w)) : NULL;
        if (c->n_runs && !w)
            return LC_ENOMEM;
        double total_s = 0;
        for (size_t j = 0; j < c->n_runs; j++) {
            w[j] = (double)c->runs[j].wall_ns;
            total_s += w[j] / 1e9;
        }
        lc_stats_sort(w, c->n_runs);
        lc_rbuf_puts(b, "CMD,");
        lc_rbuf_csv(b, lc_report_cmd_label(c, lab, sizeof(lab)));
        lc_rbuf_printf(b, ",%zu,%zu", st.runs, st.failed);
        ms_field(b, st.median_ns);
        ms_field(b, st.mean_ns);
        ms_field(b, st.min_ns);
        ms_field(b, st.max_ns);
        num_field(b, 0);
        num_field(b, total_s > 0 ? (double)st.runs / total_s : 0);
        num_field(b, total_s > 0 ? (double)st.failed / total_s : 0);
        for (size_t k = 0; k < N_PCTS; k++) {
            double v = NAN;
            if (c->n_runs && lc_stats_percentile_sorted(w, c->n_runs, pcts[k], &v) != 0)
                v = NAN;
            ms_field(b, v);
        }
        lc_rbuf_puts(b, "\r\n");
        free(w);
    }
    return 0;
}

static int render_history(struct lc_rbuf *b, const struct lc_result *r)
{
    lc_rbuf_puts(b, "Timestamp,User Count,Type,Name,Requests/s,Failures/s");
    for (size_t i = 0; i < N_PCTS; i++)
        lc_rbuf_printf(b, ",%s", pct_names[i]);
    lc_rbuf_puts(b, ",Total Request Count,Total Failure Count,Total Median Response Time,Total "
                    "Average Response Time,Total Min Response Time,Total Max Response Time,Total "
                    "Average Content Size,Phase,Elapsed (s),Target Requests/s,Schedule Lag 99%"
                    "\r\n");
    uint64_t tot_req = 0, tot_err = 0, tot_in = 0;
    double start_s = (double)(r->start_wall_ns / 1000000000ull);
    double start_frac = (double)(r->start_wall_ns % 1000000000ull) / 1e9;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        double prev = (double)ph->start_offset_ns / 1e9;
        for (size_t j = 0; j < ph->n_series; j++) {
            const struct lc_result_point *p = &ph->series[j];
            double dt = p->t_s - prev;
            if (!(dt > 0.05) || dt > 60)
                dt = 1;
            prev = p->t_s;
            if (ph->recorded) {
                tot_req += p->requests;
                tot_err += p->errors;
                tot_in += p->bytes_in;
            }
            long long ts = r->start_wall_ns ? (long long)floor(start_s + start_frac + p->t_s) : 0;
            lc_rbuf_printf(b, "%lld,%llu,,Aggregated", ts, (unsigned long long)p->active);
            num_field(b, (double)p->requests / dt);
            num_field(b, (double)p->errors / dt);
            bool any = p->requests > 0;
            for (size_t k = 0; k < N_PCTS; k++) {
                double v = NAN;
                if (any && pcts[k] == 50)
                    v = (double)p->latency_p50_ns;
                else if (any && pcts[k] == 90)
                    v = (double)p->latency_p90_ns;
                else if (any && pcts[k] == 99)
                    v = (double)p->latency_p99_ns;
                else if (any && pcts[k] == 100)
                    v = (double)p->latency_max_ns;
                ms_field(b, v);
            }
            lc_rbuf_printf(b, ",%llu,%llu,N/A,N/A,N/A,N/A", (unsigned long long)tot_req,
                           (unsigned long long)tot_err);
            num_field(b, tot_req ? (double)tot_in / (double)tot_req : 0);
            lc_rbuf_putc(b, ',');
            lc_rbuf_csv(b, ph->name);
            num_field(b, p->t_s);
            num_field(b, p->target_rps);
            ms_field(b, (double)p->schedule_lag_p99_ns);
            lc_rbuf_puts(b, "\r\n");
        }
    }
    return 0;
}

static void failure_rows(struct lc_rbuf *b, const char *method, const char *name,
                         const struct lc_result_stats *s)
{
    for (size_t k = 0; k < s->n_error_kinds; k++) {
        if (s->error_kinds[k].count == 0)
            continue;
        lc_rbuf_csv(b, method);
        lc_rbuf_putc(b, ',');
        lc_rbuf_csv(b, name);
        lc_rbuf_putc(b, ',');
        lc_rbuf_csv(b, s->error_kinds[k].kind);
        lc_rbuf_printf(b, ",%llu\r\n", (unsigned long long)s->error_kinds[k].count);
    }
}

static int render_failures(struct lc_rbuf *b, const struct lc_result *r)
{
    lc_rbuf_puts(b, "Method,Name,Error,Occurrences\r\n");
    char method[24], lab[512];
    if (r->n_requests == 0 && r->kind != LC_RESULT_KIND_BENCH) {
        const char *m = r->has_load && r->load.method ? r->load.method : "";
        failure_rows(b, m, "Aggregated", &r->total);
    }
    for (size_t i = 0; i < r->n_requests; i++)
        failure_rows(b, lc_report_method_of(r->requests[i]->name, method, sizeof(method)),
                     r->requests[i]->name, &r->requests[i]->stats);
    for (size_t i = 0; i < r->n_commands; i++) {
        const struct lc_result_bench_command *c = r->commands[i];
        /* Count runs per distinct exit code, in first-seen order. */
        for (size_t j = 0; j < c->n_runs; j++) {
            int code = c->runs[j].exit_code;
            bool seen = code == 0;
            for (size_t k = 0; k < j && !seen; k++)
                seen = c->runs[k].exit_code == code;
            if (seen)
                continue;
            size_t n = 0;
            for (size_t k = j; k < c->n_runs; k++)
                n += c->runs[k].exit_code == code;
            lc_rbuf_puts(b, "CMD,");
            lc_rbuf_csv(b, lc_report_cmd_label(c, lab, sizeof(lab)));
            if (code > 128)
                lc_rbuf_printf(b, ",killed by signal %d,%zu\r\n", code - 128, n);
            else
                lc_rbuf_printf(b, ",exit code %d,%zu\r\n", code, n);
        }
    }
    return 0;
}

int lc_report_csv_render(const struct lc_result *r, enum lc_report_csv_file which, char **out,
                         size_t *len, struct lc_error *err)
{
    struct lc_rbuf b;
    lc_rbuf_init(&b, 0);
    int rc;
    switch (which) {
    case LC_REPORT_CSV_STATS:
        rc = render_stats(&b, r);
        break;
    case LC_REPORT_CSV_HISTORY:
        rc = render_history(&b, r);
        break;
    case LC_REPORT_CSV_FAILURES:
        rc = render_failures(&b, r);
        break;
    default:
        lc_rbuf_free(&b);
        return lc_error_set(err, LC_EINVAL, "no such CSV file (%d)", (int)which);
    }
    if (!rc)
        rc = lc_rbuf_error(&b);
    if (rc) {
        lc_rbuf_free(&b);
        return lc_error_set(err, rc, "cannot render the CSV report: %s", lc_strerror(rc));
    }
    *out = lc_rbuf_take(&b, len);
    if (!*out)
        return lc_error_set(err, LC_ENOMEM, "cannot render the CSV report: out of memory");
    return 0;
}

/* PREFIX + suffix into buf; LC_EINVAL when empty, LC_EIO when too long. */
static int csv_path(const char *prefix, enum lc_report_csv_file which, char *buf, size_t size,
                    struct lc_error *err)
{
    if (!prefix || !*prefix)
        return lc_error_set(err, LC_EINVAL, "no file name prefix given for the CSV report");
    int n = snprintf(buf, size, "%s%s", prefix, lc_report_csv_suffix(which));
    if (n < 0 || (size_t)n >= size) {
        lc_error_set(err, LC_EIO, "cannot write the CSV report: the path is too long");
        lc_error_at(err, prefix, 0, 0);
        return LC_EIO;
    }
    return 0;
}

int lc_report_csv_write(const struct lc_result *r, const char *prefix, struct lc_error *err)
{
    static const char *const what[] = {"the CSV statistics", "the CSV history", "the CSV failures"};
    for (int f = 0; f < LC_REPORT_CSV_COUNT; f++) {
        char path[4096];
        int rc = csv_path(prefix, (enum lc_report_csv_file)f, path, sizeof(path), err);
        if (rc)
            return rc;
        char *text;
        size_t len;
        rc = lc_report_csv_render(r, (enum lc_report_csv_file)f, &text, &len, err);
        if (rc)
            return rc;
        rc = lc_report_write_file(path, text, len, what[f], err);
        free(text);
        if (rc)
            return rc;
    }
    return 0;
}

int lc_report_csv_check_writable(const char *prefix, struct lc_error *err)
{
    for (int f = 0; f < LC_REPORT_CSV_COUNT; f++) {
        char path[4096];
        int rc = csv_path(prefix, (enum lc_report_csv_file)f, path, sizeof(path), err);
        if (!rc)
            rc = lc_result_check_writable(path, err);
        if (rc)
            return rc;
    }
    return 0;
}
