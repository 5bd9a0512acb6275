/* The Markdown report: verdict, key figures, thresholds, findings and per-request table (CI
 * comments). */
#include "results/report_markdown.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/findings.h"
#include "results/report_bench.h"
#include "results/report_buf.h"
#include "results/report_file.h"
#include "results/report_fmt.h"

/* Request names listed at most (a CI comment should stay readable). */
#define MD_MAX_NAMES 100

#define EMOJI_PASS "\xe2\x9c\x85"             /* ✅ */
#define EMOJI_WARN "\xe2\x9a\xa0\xef\xb8\x8f" /* ⚠️ */
#define EMOJI_FAIL "\xe2\x9d\x8c"             /* ❌ */
#define EMOJI_INFO "\xe2\x84\xb9\xef\xb8\x8f" /* ℹ️ */
#define EMOJI_NONE "\xe2\x9c\x94\xef\xb8\x8f" /* ✔️ */

/*
 * Inline code when s holds no backtick, else escaped text. A pipe is escaped
 * even inside the code span: GitHub splits table cells before it parses
 * inline code, and renders "\|" there as "|".
 */
static void md_code(struct lc_rbuf *b, const char *s)
{
    if (s && !strchr(s, '`') && !strpbrk(s, "\r\n")) {
        lc_rbuf_putc(b, '`');
        for (const char *p = s; *p; p++) {
            if (*p == '|')
                lc_rbuf_putc(b, '\\');
            lc_rbuf_putc(b, *p);
        }
        lc_rbuf_putc(b, '`');
    } else {
        lc_rbuf_md(b, s);
    }
}

static const char *verdict_emoji(enum lc_report_verdict v)
{
    switch (v) {
    case LC_REPORT_PASS:
        return EMOJI_PASS;
    case LC_REPORT_WARN:
        return EMOJI_WARN;
    case LC_REPORT_FAIL:
        return EMOJI_FAIL;
    case LC_REPORT_NONE:
        break;
    }
    return EMOJI_NONE;
}

static void key_figures(struct lc_rbuf *b, const struct lc_report_figures *f)
{
    char a[48], c[48], d[48], e[48];
    lc_rbuf_puts(b, "| Requests | Throughput | Errors | p50 | p95 | p99 | Max |\n"
                    "|---:|---:|---:|---:|---:|---:|---:|\n");
    lc_rbuf_printf(b, "| %s | %s", lc_report_fmt_count(a, sizeof(a), f->requests),
                   lc_report_fmt_rate(c, sizeof(c), f->rps));
    if (f->target_rps > 0)
        lc_rbuf_printf(b, " of %s asked", lc_report_fmt_rate(d, sizeof(d), f->target_rps));
    lc_rbuf_printf(b, " | %s (%s)", lc_report_fmt_count(a, sizeof(a), f->errors),
                   lc_report_fmt_frac(c, sizeof(c), f->error_rate));
    lc_rbuf_printf(b, " | %s | %s | %s | %s |\n\n", lc_report_fmt_ns(a, sizeof(a), f->p50_ns),
                   lc_report_fmt_ns(c, sizeof(c), f->p95_ns),
                   lc_report_fmt_ns(d, sizeof(d), f->p99_ns),
                   lc_report_fmt_ns(e, sizeof(e), f->max_ns));
}

static void thresholds(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_thresholds == 0)
        return;
    lc_rbuf_puts(b, "**Thresholds**\n\n| Status | Threshold | Observed | Limit |\n"
                    "|---|---|---:|---:|\n");
    char o[64], l[64];
    for (size_t i = 0; i < r->n_thresholds; i++) {
        const struct lc_result_threshold *t = &r->thresholds[i];
        const char *em = t->verdict == LC_RESULT_VERDICT_FAIL   ? EMOJI_FAIL
                         : t->verdict == LC_RESULT_VERDICT_WARN ? EMOJI_WARN
                                                                : EMOJI_PASS;
        lc_rbuf_printf(b, "| %s %s | ", em, lc_result_verdict_name(t->verdict));
        md_code(b, t->expr);
        lc_rbuf_printf(b, " | %s | %s |\n", lc_report_fmt_value(o, sizeof(o), t->observed, t->unit),
                       lc_report_fmt_value(l, sizeof(l), t->limit, t->unit));
    }
    lc_rbuf_puts(b, "\n");
}

static void findings(struct lc_rbuf *b, const struct lc_findings *f)
{
    if (f->n == 0)
        return;
    lc_rbuf_puts(b, "**Findings**\n\n");
    for (size_t i = 0; i < f->n; i++) {
        const struct lc_finding *x = &f->items[i];
        const char *em = x->severity == LC_FINDING_CRITICAL  ? EMOJI_FAIL
                         : x->severity == LC_FINDING_WARNING ? EMOJI_WARN
                                                             : EMOJI_INFO;
        lc_rbuf_printf(b, "- %s ", em);
        lc_rbuf_md(b, x->text);
        lc_rbuf_printf(b, " <sub>%s</sub>\n", lc_finding_kind_id(x->kind));
    }
    lc_rbuf_puts(b, "\n");
}

/* One stats row: requests, errors, rps, p50, p90, p99, max. */
static void stats_cells(struct lc_rbuf *b, const struct lc_result_stats *s)
{
    char a[48], c[48], d[48], e[48];
    lc_rbuf_printf(b, " | %s | %s (%s) | %s", lc_report_fmt_count(a, sizeof(a), s->requests),
                   lc_report_fmt_count(c, sizeof(c), s->errors),
                   lc_report_fmt_frac(d, sizeof(d), lc_result_stats_error_rate(s)),
                   lc_report_fmt_rate(e, sizeof(e), s->rps));
    const struct lc_hdr *h = &s->hist[LC_HIST_LATENCY];
    if (s->has_hist[LC_HIST_LATENCY] && h->total_count > 0) {
        static const double p[] = {50, 90, 99};
        for (size_t i = 0; i < 3; i++)
            lc_rbuf_printf(
                b, " | %s",
                lc_report_fmt_ns(a, sizeof(a), (double)lc_hdr_value_at_percentile(h, p[i])));
        lc_rbuf_printf(b, " | %s |\n", lc_report_fmt_ns(a, sizeof(a), (double)lc_hdr_max(h)));
    } else {
        lc_rbuf_puts(b, " | | | | |\n");
    }
}

static void requests_table(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_requests == 0)
        return;
    lc_rbuf_puts(b, "**Requests**\n\n| Name | Requests | Errors | Throughput | p50 | p90 | p99 | "
                    "Max |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    size_t n = r->n_requests < MD_MAX_NAMES ? r->n_requests : MD_MAX_NAMES;
    for (size_t i = 0; i < n; i++) {
        lc_rbuf_puts(b, "| ");
        md_code(b, r->requests[i]->name);
        stats_cells(b, &r->requests[i]->stats);
    }
    if (r->n_requests > n)
        lc_rbuf_printf(b, "\n%zu more request names are in the HTML and CSV reports.\n",
                       r->n_requests - n);
    lc_rbuf_puts(b, "\n");
}

static void phases_table(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_phases < 2)
        return;
    lc_rbuf_puts(b, "**Phases**\n\n| Phase | Duration | Requests | Errors | Throughput | p50 | p90 "
                    "| p99 | Max |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    char d[48];
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        lc_rbuf_puts(b, "| ");
        md_code(b, ph->name);
        if (!ph->recorded)
            lc_rbuf_puts(b, " (not recorded)");
        lc_rbuf_printf(b, " | %s", lc_report_fmt_secs(d, sizeof(d), (double)ph->duration_ns / 1e9));
        stats_cells(b, &ph->stats);
    }
    lc_rbuf_puts(b, "\n");
}

static int bench_tables(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_commands == 0)
        return 0;
    lc_rbuf_puts(b,
                 "**Commands**\n\n| Command | Runs | Mean \xc2\xb1 \xcf\x83 | Median | Min | Max | "
                 "User | System | Max RSS |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    char lab[512], a[48], c[48], d[48], e[48], f[48], g[48], h[48], k[48];
    for (size_t i = 0; i < r->n_commands; i++) {
        struct lc_report_cmd_stats st;
        int rc = lc_report_cmd_stats(r->commands[i], &st);
        if (rc)
            return rc;
        lc_rbuf_puts(b, "| ");
        md_code(b, lc_report_cmd_label(r->commands[i], lab, sizeof(lab)));
        lc_rbuf_printf(
            b, " | %zu%s | %s \xc2\xb1 %s | %s | %s | %s | %s | %s | %s |\n", st.runs,
            st.failed ? " (failed runs)" : "", lc_report_fmt_ns(a, sizeof(a), st.mean_ns),
            lc_report_fmt_ns(c, sizeof(c), st.stdev_ns),
            lc_report_fmt_ns(d, sizeof(d), st.median_ns), lc_report_fmt_ns(e, sizeof(e), st.min_ns),
            lc_report_fmt_ns(f, sizeof(f), st.max_ns),
            lc_report_fmt_ns(g, sizeof(g), st.user_mean_ns),
            lc_report_fmt_ns(h, sizeof(h), st.sys_mean_ns),
            lc_report_fmt_bytes(k, sizeof(k), st.rss_max_bytes));
    }
    lc_rbuf_puts(b, "\n");
    struct lc_report_scan *sc;
    size_t ns;
    int rc = lc_report_scans(r, &sc, &ns);
    if (rc)
        return rc;
    for (size_t i = 0; i < ns; i++) {
        if (!sc[i].fitted)
            continue;
        lc_rbuf_puts(b, "**Scaling** of ");
        md_code(b, sc[i].name);
        if (sc[i].others && *sc[i].others) {
            lc_rbuf_puts(b, " (");
            lc_rbuf_md(b, sc[i].others);
            lc_rbuf_puts(b, ")");
        }
        lc_rbuf_printf(b, " in ");
        lc_rbuf_md(b, sc[i].param);
        lc_rbuf_printf(b, ": time \xe2\x88\x9d ");
        lc_rbuf_md(b, sc[i].param);
        lc_rbuf_printf(b, "^%.2f", sc[i].fit.slope);
        if (isfinite(sc[i].fit.se_slope))
            lc_rbuf_printf(b, " \xc2\xb1 %.2f", sc[i].fit.se_slope);
        lc_rbuf_printf(b, " (R\xc2\xb2 %.3f, %zu points)\n\n", sc[i].fit.r2, sc[i].n);
    }
    lc_report_scans_free(sc, ns);
    return 0;
}

static void footer(struct lc_rbuf *b, const struct lc_result *r, const struct lc_report_opts *opts)
{
    char w[64], d[48];
    lc_rbuf_printf(b, "<sub>loadcell %s \xc2\xb7 started %s \xc2\xb7 %s",
                   lc_result_kind_name(r->kind), lc_report_fmt_wall(w, sizeof(w), r->start_wall_ns),
                   lc_report_fmt_secs(d, sizeof(d), (double)r->duration_ns / 1e9));
    if (r->host.hostname) {
        lc_rbuf_puts(b, " \xc2\xb7 on ");
        lc_rbuf_md(b, r->host.hostname);
    }
    if (r->tool_version) {
        lc_rbuf_puts(b, " \xc2\xb7 version ");
        lc_rbuf_md(b, r->tool_version);
    }
    if (opts && opts->source) {
        lc_rbuf_puts(b, " \xc2\xb7 ");
        md_code(b, opts->source);
    }
    lc_rbuf_puts(b, "</sub>\n");
}

int lc_report_markdown_render(const struct lc_result *r, const struct lc_report_opts *opts,
                              char **out, size_t *len, struct lc_error *err)
{
    struct lc_rbuf b;
    lc_rbuf_init(&b, 0);
    struct lc_findings fs;
    int rc = lc_findings_analyze(r, &fs);
    if (rc)
        return lc_error_set(err, rc, "cannot analyse the result: out of memory");
    struct lc_report_figures fig;
    lc_report_figures(r, &fig);
    char title[512], vt[600];
    lc_rbuf_printf(&b, "### %s %s \xe2\x80\x94 ", verdict_emoji(fig.verdict),
                   lc_report_verdict_word(fig.verdict));
    lc_rbuf_md(&b, lc_report_title(r, opts, title, sizeof(title)));
    lc_rbuf_puts(&b, "\n\n");
    lc_rbuf_md(&b, lc_report_verdict_text(r, &fig, vt, sizeof(vt)));
    lc_rbuf_puts(&b, "\n\n");
    for (size_t i = 0; i < r->n_warnings; i++) {
        lc_rbuf_printf(&b, "> %s ", EMOJI_WARN);
        lc_rbuf_md(&b, r->warnings[i]);
        lc_rbuf_puts(&b, "\n");
    }
    if (r->n_warnings)
        lc_rbuf_puts(&b, "\n");
    if (fig.load)
        key_figures(&b, &fig);
    thresholds(&b, r);
    findings(&b, &fs);
    requests_table(&b, r);
    phases_table(&b, r);
    rc = bench_tables(&b, r);
    footer(&b, r, opts);
    lc_findings_free(&fs);
    if (!rc)
        rc = lc_rbuf_error(&b);
    if (rc) {
        lc_rbuf_free(&b);
        return lc_error_set(err, rc, "cannot render the Markdown report: %s", lc_strerror(rc));
    }
    *out = lc_rbuf_take(&b, len);
    if (!*out)
        return lc_error_set(err, LC_ENOMEM, "cannot render the Markdown report: out of memory");
    return 0;
}

int lc_report_markdown_write(const struct lc_result *r, const struct lc_report_opts *opts,
                             const char *path, struct lc_error *err)
{
    char *text;
    size_t len;
    int rc = lc_report_markdown_render(r, opts, &text, &len, err);
    if (rc)
        return rc;
    rc = lc_report_write_file(path, text, len, "the Markdown report", err);
    free(text);
    return rc;
}
