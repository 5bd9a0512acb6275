/* The HTML report: one self-contained page (inline CSS and SVG charts, no scripts, no network). */
#include "results/report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "results/findings.h"
#include "results/report_bench.h"
#include "results/report_buf.h"
#include "results/report_file.h"
#include "results/report_fmt.h"
#include "results/svg.h"

/* Chart sizes (viewBox px): wide charts fill the 1200 px column, half charts share a row. */
#define WIDE_W 1120
#define WIDE_H 300
#define HALF_W 550
#define HALF_H 320

/* Series colours, used the same way in every chart. */
#define C_REQ    "#1c7ed6"
#define C_ERR    "#e03131"
#define C_TARGET "#868e96"
#define C_P50    "#74c0fc"
#define C_P90    "#1971c2"
#define C_P99    "#f76707"
#define C_MAX    "#ae3ec9"
#define C_ACTIVE "#7048e8"
#define C_BAR    "#4dabf7"

/* Request names in the percentile plot: no blue, orange or red (taken by the totals). */
static const char *const name_palette[] = {"#2f9e44", "#ae3ec9", "#d6336c", "#5c940d",
                                           "#862e9c", "#0c8599", "#e67700", "#495057"};

static const char *const palette[] = {"#1971c2", "#f76707", "#2f9e44", "#ae3ec9",
                                      "#e03131", "#0c8599", "#5c940d", "#d6336c"};
#define PALETTE_N (sizeof(palette) / sizeof(palette[0]))

/* Request names drawn as their own lines in the percentile plot at most. */
#define MAX_NAME_LINES 8

static const char page_css[] =
    ":root{--fg:#212529;--muted:#6c757d;--line:#e3e6ea;--card:#fff;--bg:#f3f4f6;"
    "--pass:#2b8a3e;--pass-bg:#ebfbee;--warn:#b35c00;--warn-bg:#fff4db;--fail:#c92a2a;"
    "--fail-bg:#fff0f0;--info:#1864ab;--info-bg:#e7f5ff}"
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"Noto Sans\",\"Liberation Sans\",sans-serif}"
    "main{max-width:1200px;margin:0 auto;padding:20px 24px 40px}"
    "header h1{font-size:22px;line-height:1.3;margin:0 0 2px;font-weight:650;"
    "overflow-wrap:anywhere}"
    ".sub{color:var(--muted)}"
    "nav{margin:10px 0 0;font-size:13px}"
    "nav a{color:var(--info);text-decoration:none;margin-right:14px}"
    "nav a:hover{text-decoration:underline}"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:16px 20px;margin:16px 0}"
    "h2{font-size:16px;margin:0 0 4px;font-weight:650}"
    ".cap{color:var(--muted);font-size:13px;margin:0 0 10px}"
    ".verdict{display:flex;gap:16px;align-items:center;border-left-width:6px}"
    ".verdict.pass{border-left-color:var(--pass)}.verdict.warn{border-left-color:var(--warn)}"
    ".verdict.fail{border-left-color:var(--fail)}.verdict.none{border-left-color:var(--info)}"
    ".verdict .word{font-size:20px;font-weight:750;letter-spacing:.03em;white-space:nowrap}"
    ".verdict.pass .word{color:var(--pass)}.verdict.warn .word{color:var(--warn)}"
    ".verdict.fail .word{color:var(--fail)}.verdict.none .word{color:var(--info)}"
    ".warnings{margin:8px 0 0;padding:0;list-style:none}"
    ".warnings li{color:var(--warn);margin:2px 0}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(124px,1fr));gap:12px;"
    "margin:16px 0}"
    ".tile{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:12px 14px}"
    ".tile .k{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}"
    ".tile .v{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".tile .s{font-size:12px;color:var(--muted);white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis}"
    ".tile .v.bad{color:var(--fail)}.tile .v.good{color:var(--pass)}"
    ".pill{display:inline-block;flex:none;min-width:64px;text-align:center;padding:1px 9px;"
    "border-radius:999px;font-weight:700;font-size:11.5px;letter-spacing:.05em;"
    "text-transform:uppercase}"
    ".pill.pass{background:var(--pass-bg);color:var(--pass)}"
    ".pill.warn{background:var(--warn-bg);color:var(--warn)}"
    ".pill.fail{background:var(--fail-bg);color:var(--fail)}"
    ".pill.info{background:var(--info-bg);color:var(--info)}"
    "ul.findings{list-style:none;margin:0;padding:0}"
    "ul.findings li{display:flex;gap:12px;align-items:baseline;padding:8px 0;"
    "border-bottom:1px solid var(--line)}"
    "ul.findings li:last-child{border-bottom:0}"
    "ul.findings .kind{color:var(--muted);font-size:12px;white-space:nowrap;margin-left:auto;"
    "padding-left:8px}"
    ".none{color:var(--muted)}"
    ".scroll{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
    "th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}"
    "th{font-size:12.5px;color:var(--muted);font-weight:600;white-space:nowrap}"
    "tr:last-child td{border-bottom:0}"
    "td.n,th.n{text-align:right;white-space:nowrap}"
    "tr.total td{font-weight:650;border-top:2px solid var(--line)}"
    "table.kv th{width:190px;font-size:13px}"
    "code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\","
    "monospace;overflow-wrap:anywhere}"
    ".grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}"
    ".grid2>.card{margin:0}"
    ".s2xx{color:var(--pass)}.s3xx{color:var(--info)}.s4xx{color:var(--warn)}"
    ".s5xx,.s0xx{color:var(--fail)}"
    "footer{color:var(--muted);font-size:12px;margin-top:24px}"
    "@media (max-width:960px){.grid2{grid-template-columns:1fr}}"
    "@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}"
    "nav{display:none}.card,.tile{border-color:#ccc;break-inside:avoid}"
    ".card{padding:10px 12px;margin:10px 0}.scroll{overflow:visible}"
    "th,td{padding:3px 6px}.grid2{grid-template-columns:1fr 1fr;gap:10px}"
    "svg.chart .hover{display:none}a{color:inherit;text-decoration:none}"
    "@page{margin:14mm}}";

/* ---- Small HTML helpers ----------------------------------------------------------- */

static void esc(struct lc_rbuf *b, const char *s)
{
    lc_rbuf_html(b, s);
}

/* A right-aligned cell with already formatted text. */
static void td_n(struct lc_rbuf *b, const char *text)
{
    lc_rbuf_puts(b, "<td class=\"n\">");
    esc(b, text);
    lc_rbuf_puts(b, "</td>");
}

static void td_code(struct lc_rbuf *b, const char *text)
{
    lc_rbuf_puts(b, "<td><code>");
    esc(b, text);
    lc_rbuf_puts(b, "</code></td>");
}

/* The CSS class of a verdict. */
static const char *verdict_cls(enum lc_report_verdict v)
{
    switch (v) {
    case LC_REPORT_PASS:
        return "pass";
    case LC_REPORT_WARN:
        return "warn";
    case LC_REPORT_FAIL:
        return "fail";
    case LC_REPORT_NONE:
        break;
    }
    return "none";
}

static const char *thr_cls(enum lc_result_verdict v)
{
    return v == LC_RESULT_VERDICT_FAIL ? "fail" : v == LC_RESULT_VERDICT_WARN ? "warn" : "pass";
}

/* Open a card section with an id, a title and an optional caption. */
static void card_open(struct lc_rbuf *b, const char *id, const char *title, const char *caption)
{
    lc_rbuf_puts(b, "<section class=\"card\"");
    if (id)
        lc_rbuf_printf(b, " id=\"%s\"", id);
    lc_rbuf_puts(b, "><h2>");
    esc(b, title);
    lc_rbuf_puts(b, "</h2>\n");
    if (caption) {
        lc_rbuf_puts(b, "<p class=\"cap\">");
        esc(b, caption);
        lc_rbuf_puts(b, "</p>\n");
    }
}

static void card_close(struct lc_rbuf *b)
{
    lc_rbuf_puts(b, "</section>\n");
}

/* A command line with shell quoting where a word needs it. */
static void shell_words(struct lc_rbuf *b, char *const *argv, size_t argc)
{
    for (size_t i = 0; i < argc; i++) {
        const char *a = argv[i] ? argv[i] : "";
        bool plain = *a != '\0';
        for (const char *p = a; *p && plain; p++)
            plain =
                strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-",
                       *p) != NULL;
        if (i)
            lc_rbuf_putc(b, ' ');
        if (plain) {
            esc(b, a);
            continue;
        }
        lc_rbuf_puts(b, "&#39;");
        for (const char *p = a; *p; p++) {
            if (*p == '\'') {
                lc_rbuf_puts(b, "&#39;\\&#39;&#39;");
            } else {
                char one[2] = {*p, 0};
                esc(b, one);
            }
        }
        lc_rbuf_puts(b, "&#39;");
    }
}

/* ---- The time line ---------------------------------------------------------------- */

/* Every phase's series concatenated; NaN where there is no value (a gap, no requests). */
struct timeline {
    size_t n;
    double *t, *rps, *eps, *target, *active, *p50, *p90, *p99, *max;
    bool any_target, any_active, any_latency, any_errors;
};

static void timeline_free(struct timeline *tl)
{
    double **arrs[] = {&tl->t,   &tl->rps, &tl->eps, &tl->target, &tl->active,
                       &tl->p50, &tl->p90, &tl->p99, &tl->max};
    for (size_t i = 0; i < sizeof(arrs) / sizeof(arrs[0]); i++)
        free(*arrs[i]);
    memset(tl, 0, sizeof(*tl));
}

static int timeline_build(const struct lc_result *r, struct timeline *tl)
{
    memset(tl, 0, sizeof(*tl));
    size_t cap = 0;
    for (size_t i = 0; i < r->n_phases; i++)
        cap += r->phases[i]->n_series + 1;
    if (cap == 0)
        return 0;
    double **arrs[] = {&tl->t,   &tl->rps, &tl->eps, &tl->target, &tl->active,
                       &tl->p50, &tl->p90, &tl->p99, &tl->max};
    for (size_t i = 0; i < sizeof(arrs) / sizeof(arrs[0]); i++) {
        *arrs[i] = malloc(cap * sizeof(double));
        if (!*arrs[i]) {
            timeline_free(tl);
            return LC_ENOMEM;
        }
    }
    double last_t = NAN;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        double prev = (double)ph->start_offset_ns / 1e9;
        for (size_t j = 0; j < ph->n_series; j++) {
            const struct lc_result_point *p = &ph->series[j];
            double dt = p->t_s - prev;
            if (!(dt > 0.05) || dt > 60)
                dt = 1;
            prev = p->t_s;
            size_t k = tl->n;
            /* A gap of more than 2.5 intervals breaks the lines. */
            if (isfinite(last_t) && p->t_s - last_t > 2.5 * dt && k + 1 < cap) {
                for (size_t a = 1; a < sizeof(arrs) / sizeof(arrs[0]); a++)
                    (*arrs[a])[k] = NAN;
                tl->t[k] = (last_t + p->t_s) / 2;
                k = ++tl->n;
            }
            if (k >= cap)
                break;
            last_t = p->t_s;
            bool any = p->requests > 0;
            tl->t[k] = p->t_s;
            tl->rps[k] = (double)p->requests / dt;
            tl->eps[k] = (double)p->errors / dt;
            tl->target[k] = p->target_rps > 0 ? p->target_rps : NAN;
            tl->active[k] = (double)p->active;
            tl->p50[k] = any ? (double)p->latency_p50_ns : NAN;
            tl->p90[k] = any ? (double)p->latency_p90_ns : NAN;
            tl->p99[k] = any ? (double)p->latency_p99_ns : NAN;
            tl->max[k] = any ? (double)p->latency_max_ns : NAN;
            tl->any_target |= p->target_rps > 0;
            tl->any_active |= p->active > 0;
            tl->any_latency |= any && p->latency_max_ns > 0;
            tl->any_errors |= p->errors > 0;
            tl->n++;
        }
    }
    return 0;
}

/* Which alert bands a time chart shows besides the unrecorded phases. */
enum alerts { ALERTS_NONE, ALERTS_ERRORS, ALERTS_LATENCY };

/*
 * Phase boundaries and bands shared by the time charts: the unrecorded
 * phases (grey) on all of them, error bursts (red) on the throughput chart
 * and latency spikes (red) on the latency chart.
 */
struct decor {
    struct lc_svg_mark *marks;
    size_t n_marks;
    struct lc_svg_band *err_bands; /* unrecorded phases, then error bursts */
    struct lc_svg_band *lat_bands; /* unrecorded phases, then latency spikes */
    size_t n_err, n_lat;
    size_t n_muted; /* the first n_muted bands of both arrays are the unrecorded phases */
    char **titles;  /* band titles (owned) */
    size_t n_titles;
};

static void decor_free(struct decor *d)
{
    for (size_t i = 0; d->titles && i < d->n_titles; i++)
        free(d->titles[i]);
    free(d->titles);
    free(d->marks);
    free(d->err_bands);
    free(d->lat_bands);
    memset(d, 0, sizeof(*d));
}

/* A copy of text kept in d->titles; NULL when out of memory. */
static const char *decor_title(struct decor *d, const char *text)
{
    char *t = strdup(text);
    if (t)
        d->titles[d->n_titles++] = t;
    return t;
}

static int decor_build(const struct lc_result *r, const struct lc_findings *fs, struct decor *d)
{
    memset(d, 0, sizeof(*d));
    size_t nb = r->n_phases + fs->n + 1;
    d->marks = calloc(r->n_phases + 1, sizeof(*d->marks));
    d->err_bands = calloc(nb, sizeof(*d->err_bands));
    d->lat_bands = calloc(nb, sizeof(*d->lat_bands));
    d->titles = calloc(nb, sizeof(*d->titles));
    if (!d->marks || !d->err_bands || !d->lat_bands || !d->titles)
        goto nomem;
    for (size_t i = 0; r->n_phases > 1 && i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        d->marks[d->n_marks++] = (struct lc_svg_mark){(double)ph->start_offset_ns / 1e9, ph->name};
    }
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        if (ph->recorded)
            continue;
        char text[400];
        snprintf(text, sizeof(text), "phase '%s': not recorded (excluded from the totals)",
                 ph->name);
        const char *t = decor_title(d, text);
        if (!t)
            goto nomem;
        double t0 = (double)ph->start_offset_ns / 1e9;
        struct lc_svg_band b = {t0, t0 + (double)ph->duration_ns / 1e9, "band-muted", t};
        d->err_bands[d->n_err++] = b;
        d->lat_bands[d->n_lat++] = b;
    }
    d->n_muted = d->n_err;
    for (size_t i = 0; i < fs->n; i++) {
        const struct lc_finding *f = &fs->items[i];
        bool err = f->kind == LC_FINDING_ERROR_BURST, lat = f->kind == LC_FINDING_LATENCY_SPIKE;
        if ((!err && !lat) || !isfinite(f->t_from_s) || !isfinite(f->t_to_s))
            continue;
        const char *t = decor_title(d, f->text);
        if (!t)
            goto nomem;
        struct lc_svg_band b = {f->t_from_s, f->t_to_s, "band-alert", t};
        if (err)
            d->err_bands[d->n_err++] = b;
        else
            d->lat_bands[d->n_lat++] = b;
    }
    return 0;
nomem:
    decor_free(d);
    return LC_ENOMEM;
}

/* A time chart's skeleton: x axis in seconds since start, marks and bands. */
static struct lc_svg_chart time_chart(const char *title, const char *ylabel, enum lc_svg_fmt yfmt,
                                      const struct decor *d, enum alerts alerts)
{
    struct lc_svg_chart c;
    memset(&c, 0, sizeof(c));
    c.width = WIDE_W;
    c.height = WIDE_H;
    c.title = title;
    c.x = (struct lc_svg_axis){"time since start", LC_SVG_FMT_SECS, false, 0, NAN, false, false};
    c.y = (struct lc_svg_axis){ylabel, yfmt, false, NAN, NAN, true, true};
    c.marks = d->marks;
    c.n_marks = d->n_marks;
    c.bands = alerts == ALERTS_LATENCY ? d->lat_bands : d->err_bands;
    c.n_bands = alerts == ALERTS_ERRORS    ? d->n_err
                : alerts == ALERTS_LATENCY ? d->n_lat
                                           : d->n_muted;
    c.hover = true;
    return c;
}

/* The median of the finite values of x[0..n); NaN when none. */
static double finite_median(const double *x, size_t n)
{
    double *tmp = malloc((n ? n : 1) * sizeof(*tmp));
    if (!tmp)
        return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && x[i] > 0)
            tmp[m++] = x[i];
    double med = NAN;
    if (m == 0 || lc_stats_median(tmp, m, &med) != 0)
        med = NAN;
    free(tmp);
    return med;
}

static int time_charts(struct lc_rbuf *b, const struct lc_result *r, const struct timeline *tl,
                       const struct decor *d)
{
    if (tl->n == 0)
        return 0;
    bool open_model = false;
    for (size_t i = 0; i < r->n_phases; i++)
        open_model |= r->phases[i]->model == LC_RESULT_MODEL_OPEN;
    int rc;
    /* Throughput. */
    {
        struct lc_svg_series s[3];
        size_t n = 0;
        s[n++] =
            (struct lc_svg_series){"requests/s", C_REQ, LC_SVG_LINE, tl->t, tl->rps, tl->n, NULL};
        s[n++] =
            (struct lc_svg_series){"errors/s", C_ERR, LC_SVG_LINE, tl->t, tl->eps, tl->n, NULL};
        if (tl->any_target)
            s[n++] = (struct lc_svg_series){"target rate", C_TARGET, LC_SVG_DASHED, tl->t,
                                            tl->target,    tl->n,    NULL};
        struct lc_svg_chart c =
            time_chart("Throughput over time", "per second", LC_SVG_FMT_RATE, d, ALERTS_ERRORS);
        c.series = s;
        c.n_series = n;
        card_open(b, "throughput", "Throughput",
                  tl->any_target ? "Requests completed and failed per second, and the rate asked "
                                   "for. Grey: not recorded (warm-up); red: error bursts; dashed "
                                   "lines: phase starts."
                                 : "Requests completed and failed per second. Grey: not recorded "
                                   "(warm-up); red: error bursts; dashed lines: phase starts.");
        rc = lc_svg_xy(b, &c);
        card_close(b);
        if (rc)
            return rc;
    }
    /* Latency. */
    if (tl->any_latency) {
        struct lc_svg_series s[4] = {
            {"p50", C_P50, LC_SVG_LINE, tl->t, tl->p50, tl->n, NULL},
            {"p90", C_P90, LC_SVG_LINE, tl->t, tl->p90, tl->n, NULL},
            {"p99", C_P99, LC_SVG_LINE, tl->t, tl->p99, tl->n, NULL},
            {"max", C_MAX, LC_SVG_LINE, tl->t, tl->max, tl->n, NULL},
        };
        struct lc_svg_chart c = time_chart("Latency percentiles over time", "latency",
                                           LC_SVG_FMT_NS, d, ALERTS_LATENCY);
        c.series = s;
        c.n_series = 4;
        /* A max far above the median would flatten the other lines: use a log scale then. */
        double med = finite_median(tl->p50, tl->n), top = 0;
        for (size_t i = 0; i < tl->n; i++)
            if (isfinite(tl->max[i]))
                top = fmax(top, tl->max[i]);
        if (med > 0 && top / med > 50) {
            c.y.log = true;
            c.y.zero = false;
        }
        card_open(b, "latency", "Latency",
                  "Per second: the median, 90th and 99th percentiles and the maximum of the "
                  "requests that completed in that second, measured from their intended start "
                  "(coordinated omission corrected). Red: latency spikes.");
        rc = lc_svg_xy(b, &c);
        card_close(b);
        if (rc)
            return rc;
    }
    /* Load level. */
    if (tl->any_active) {
        struct lc_svg_series s[1] = {
            {open_model ? "open connections" : "active users", C_ACTIVE, LC_SVG_AREA, tl->t,
             tl->active, tl->n, NULL},
        };
        struct lc_svg_chart c =
            time_chart(open_model ? "Open connections over time" : "Active users over time",
                       open_model ? "connections" : "users", LC_SVG_FMT_NUM, d, ALERTS_NONE);
        c.series = s;
        c.n_series = 1;
        c.no_legend = true;
        card_open(b, "load", open_model ? "Connections" : "Users",
                  open_model
                      ? "Connections open at the end of each second (open model: the rate asked "
                        "for is on the throughput chart)."
                      : "Users active at the end of each second (closed model).");
        rc = lc_svg_xy(b, &c);
        card_close(b);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- Distributions ------------------------------------------------------------------- */

/* Points of an HDR percentile plot of h: x = 1 / (1 - p), 40 per decade, up to the count. */
static size_t percentile_curve(const struct lc_hdr *h, double *x, double *y, size_t cap)
{
    double xmax = fmin(fmax((double)h->total_count, 10), 1e7);
    size_t n = 0;
    for (size_t i = 0; n + 1 < cap; i++) {
        double xv = pow(10, (double)i / 40.0);
        if (xv > xmax)
            break;
        double p = 100.0 * (1.0 - 1.0 / xv);
        x[n] = xv;
        y[n] = (double)lc_hdr_value_at_percentile(h, p);
        n++;
    }
    x[n] = xmax;
    y[n] = (double)lc_hdr_max(h);
    return n + 1;
}

#define CURVE_CAP 300

static int distribution_charts(struct lc_rbuf *b, const struct lc_result *r)
{
    const struct lc_result_stats *s = &r->total;
    const struct lc_hdr *lat = &s->hist[LC_HIST_LATENCY];
    if (!s->has_hist[LC_HIST_LATENCY] || lat->total_count <= 0)
        return 0;
    const struct lc_hdr *svc = &s->hist[LC_HIST_SERVICE];
    bool has_svc = s->has_hist[LC_HIST_SERVICE] && svc->total_count > 0;
    size_t names = r->n_requests >= 2 && r->n_requests <= MAX_NAME_LINES ? r->n_requests : 0;
    size_t ns = 1 + has_svc + names;
    double *buf = malloc(ns * 2 * CURVE_CAP * sizeof(double));
    struct lc_svg_series *ser = calloc(ns, sizeof(*ser));
    char(*labels)[160] = calloc(ns, sizeof(*labels));
    int rc = 0;
    if (!buf || !ser || !labels) {
        rc = LC_ENOMEM;
        goto done;
    }
    size_t k = 0;
    {
        double *x = buf, *y = buf + CURVE_CAP;
        size_t n = percentile_curve(lat, x, y, CURVE_CAP);
        ser[k++] = (struct lc_svg_series){
            names ? "all requests (latency)" : "latency", C_P90, LC_SVG_LINE, x, y, n, NULL};
    }
    if (has_svc) {
        double *x = buf + 2 * CURVE_CAP * k, *y = x + CURVE_CAP;
        size_t n = percentile_curve(svc, x, y, CURVE_CAP);
        ser[k++] = (struct lc_svg_series){"service time", C_P99, LC_SVG_DASHED, x, y, n, NULL};
    }
    for (size_t i = 0; i < names; i++) {
        const struct lc_result_stats *st = &r->requests[i]->stats;
        if (!st->has_hist[LC_HIST_LATENCY] || st->hist[LC_HIST_LATENCY].total_count <= 0)
            continue;
        double *x = buf + 2 * CURVE_CAP * k, *y = x + CURVE_CAP;
        size_t n = percentile_curve(&st->hist[LC_HIST_LATENCY], x, y, CURVE_CAP);
        snprintf(labels[k], sizeof(labels[k]), "%s", r->requests[i]->name);
        ser[k] = (struct lc_svg_series){labels[k], name_palette[i % 8], LC_SVG_LINE, x, y, n, NULL};
        k++;
    }
    struct lc_svg_chart c;
    memset(&c, 0, sizeof(c));
    c.width = HALF_W;
    c.height = HALF_H;
    c.title = "Latency by percentile";
    c.x = (struct lc_svg_axis){"percentile", LC_SVG_FMT_PERCENTILE, true, 1, NAN, false, false};
    c.y = (struct lc_svg_axis){"latency", LC_SVG_FMT_NS, false, NAN, NAN, true, true};
    c.series = ser;
    c.n_series = k;
    c.hover = true;
    /* A tail far above the median would flatten the body of the curve: log scale then. */
    double p50 = (double)lc_hdr_value_at_percentile(lat, 50), top = (double)lc_hdr_max(lat);
    if (p50 > 0 && top / p50 > 20) {
        c.y.log = true;
        c.y.zero = false;
    }
    lc_rbuf_puts(b, "<div class=\"grid2\" id=\"distribution\">\n");
    card_open(b, NULL, "Latency by percentile",
              has_svc
                  ? "HDR-style: each percentile's latency on a log scale of 1/(1\xe2\x88\x92p). "
                    "Latency counts from the intended start; service time from the actual "
                    "send (the gap is queueing in the generator or a stalled target)."
                  : "HDR-style: each percentile's latency on a log scale of 1/(1\xe2\x88\x92p).");
    rc = lc_svg_xy(b, &c);
    card_close(b);
    if (rc)
        goto done;
    /* Histogram: log-spaced bins when the values span more than a decade. */
    {
        enum { NB = 48 };
        double lo = (double)lc_hdr_min(lat), hi = (double)lc_hdr_max(lat);
        if (!(lo > 0))
            lo = 1;
        if (!(hi > lo))
            hi = lo * 1.01 + 1;
        bool logx = hi / lo >= 10;
        double x0[NB], x1[NB], y[NB];
        for (int i = 0; i < NB; i++) {
            if (logx) {
                x0[i] = lo * pow(hi / lo, (double)i / NB);
                x1[i] = lo * pow(hi / lo, (double)(i + 1) / NB);
            } else {
                x0[i] = lo + (hi - lo) * i / NB;
                x1[i] = lo + (hi - lo) * (i + 1) / NB;
            }
            y[i] = 0;
        }
        struct lc_hdr_iter it;
        lc_hdr_iter_init(&it, lat);
        while (lc_hdr_iter_next(&it)) {
            double v = (double)lc_hdr_median_equivalent(lat, it.value_from);
            v = fmin(fmax(v, lo), hi);
            int bin = logx ? (int)floor(log(v / lo) / log(hi / lo) * NB)
                           : (int)floor((v - lo) / (hi - lo) * NB);
            if (bin < 0)
                bin = 0;
            if (bin >= NB)
                bin = NB - 1;
            y[bin] += (double)it.count;
        }
        struct lc_svg_chart hc;
        memset(&hc, 0, sizeof(hc));
        hc.width = HALF_W;
        hc.height = HALF_H;
        hc.title = "Latency histogram";
        hc.x = (struct lc_svg_axis){"latency", LC_SVG_FMT_NS, logx, lo, hi, false, false};
        hc.y = (struct lc_svg_axis){"requests", LC_SVG_FMT_NUM, false, NAN, NAN, true, true};
        card_open(b, NULL, "Latency histogram",
                  logx ? "Requests by latency, in bins of equal width on a log scale."
                       : "Requests by latency.");
        rc = lc_svg_bars(b, &hc, x0, x1, y, NB, C_BAR, "requests", (double)lat->total_count);
        card_close(b);
    }
    lc_rbuf_puts(b, "</div>\n");
done:
    free(buf);
    free(ser);
    free(labels);
    return rc;
}

/* ---- Resources ------------------------------------------------------------------------- */

static enum lc_svg_fmt unit_fmt(const char *unit)
{
    if (!unit)
        return LC_SVG_FMT_NUM;
    if (strcmp(unit, "%") == 0)
        return LC_SVG_FMT_PCT;
    if (strcmp(unit, "bytes") == 0 || strcmp(unit, "B") == 0)
        return LC_SVG_FMT_BYTES;
    return LC_SVG_FMT_NUM;
}

static int resource_charts(struct lc_rbuf *b, const struct lc_result *r, const struct decor *d)
{
    if (r->n_resources == 0)
        return 0;
    bool *done = calloc(r->n_resources, sizeof(*done));
    struct lc_svg_series *ser = calloc(r->n_resources, sizeof(*ser));
    double **xs = calloc(r->n_resources, sizeof(*xs)), **ys = calloc(r->n_resources, sizeof(*ys));
    int rc = 0;
    if (!done || !ser || !xs || !ys) {
        rc = LC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < r->n_resources && !rc; i++) {
        const struct lc_result_resource *res = r->resources[i];
        xs[i] = malloc((res->n_samples ? res->n_samples : 1) * sizeof(double));
        ys[i] = malloc((res->n_samples ? res->n_samples : 1) * sizeof(double));
        if (!xs[i] || !ys[i]) {
            rc = LC_ENOMEM;
            break;
        }
        for (size_t j = 0; j < res->n_samples; j++) {
            xs[i][j] = res->samples[j].t_s;
            ys[i][j] = res->samples[j].value;
        }
    }
    bool opened = false;
    for (size_t i = 0; i < r->n_resources && !rc; i++) {
        if (done[i])
            continue;
        const char *unit = r->resources[i]->unit;
        size_t n = 0;
        char title[400];
        size_t tl = 0;
        title[0] = '\0';
        for (size_t j = i; j < r->n_resources; j++) {
            const char *u = r->resources[j]->unit;
            bool same = (!u && !unit) || (u && unit && strcmp(u, unit) == 0);
            if (done[j] || !same)
                continue;
            done[j] = true;
            ser[n] = (struct lc_svg_series){r->resources[j]->name,
                                            palette[n % PALETTE_N],
                                            LC_SVG_LINE,
                                            xs[j],
                                            ys[j],
                                            r->resources[j]->n_samples,
                                            NULL};
            int w = snprintf(title + tl, sizeof(title) - tl, "%s%s", n ? ", " : "",
                             r->resources[j]->name);
            if (w > 0 && (size_t)w < sizeof(title) - tl)
                tl += (size_t)w;
            n++;
        }
        if (!opened) {
            lc_rbuf_puts(b, "<div id=\"resources\"></div>\n");
            opened = true;
        }
        struct lc_svg_chart c =
            time_chart(title, unit ? unit : "value", unit_fmt(unit), d, ALERTS_NONE);
        c.series = ser;
        c.n_series = n;
        c.hover = true; /* columns follow the first series' samples; each series by its own times */
        char heading[460];
        snprintf(heading, sizeof(heading), "Resources (%s)", unit ? unit : "no unit");
        card_open(b, NULL, heading, title);
        rc = lc_svg_xy(b, &c);
        card_close(b);
    }
out:
    for (size_t i = 0; xs && ys && i < r->n_resources; i++) {
        free(xs[i]);
        free(ys[i]);
    }
    free(xs);
    free(ys);
    free(ser);
    free(done);
    return rc;
}

/* ---- Bench --------------------------------------------------------------------------------- */

static int bench_section(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_commands == 0)
        return 0;
    int rc = 0;
    char lab[512], a[48], c2[48], d[48], e[48], f[48], g[48], hh[48], k[48];
    card_open(b, "bench", "Commands", "Wall time of the timed runs (warm-up runs excluded).");
    lc_rbuf_puts(b,
                 "<div class=\"scroll\"><table><thead><tr><th>Command</th><th class=\"n\">Runs"
                 "</th><th class=\"n\">Mean \xc2\xb1 \xcf\x83</th><th class=\"n\">Median</th>"
                 "<th class=\"n\">Min</th><th class=\"n\">Max</th><th class=\"n\">User</th>"
                 "<th class=\"n\">System</th><th class=\"n\">Max RSS</th></tr></thead><tbody>\n");
    struct lc_svg_box *boxes = calloc(r->n_commands, sizeof(*boxes));
    double **vals = calloc(r->n_commands, sizeof(*vals));
    char **labels = calloc(r->n_commands, sizeof(*labels));
    if (!boxes || !vals || !labels) {
        rc = LC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < r->n_commands; i++) {
        const struct lc_result_bench_command *c = r->commands[i];
        struct lc_report_cmd_stats st;
        rc = lc_report_cmd_stats(c, &st);
        if (rc)
            goto out;
        lc_report_cmd_label(c, lab, sizeof(lab));
        labels[i] = strdup(lab);
        vals[i] = malloc((c->n_runs ? c->n_runs : 1) * sizeof(double));
        if (!labels[i] || !vals[i]) {
            rc = LC_ENOMEM;
            goto out;
        }
        for (size_t j = 0; j < c->n_runs; j++)
            vals[i][j] = (double)c->runs[j].wall_ns;
        boxes[i] = (struct lc_svg_box){labels[i], vals[i], c->n_runs};
        lc_rbuf_puts(b, "<tr>");
        lc_rbuf_puts(b, "<td><code title=\"");
        esc(b, c->command);
        lc_rbuf_puts(b, "\">");
        esc(b, lab);
        lc_rbuf_puts(b, "</code></td>");
        snprintf(a, sizeof(a), "%zu%s", st.runs, st.failed ? " (some failed)" : "");
        td_n(b, a);
        snprintf(g, sizeof(g), "%s \xc2\xb1 %s", lc_report_fmt_ns(c2, sizeof(c2), st.mean_ns),
                 lc_report_fmt_ns(d, sizeof(d), st.stdev_ns));
        td_n(b, g);
        td_n(b, lc_report_fmt_ns(e, sizeof(e), st.median_ns));
        td_n(b, lc_report_fmt_ns(f, sizeof(f), st.min_ns));
        td_n(b, lc_report_fmt_ns(hh, sizeof(hh), st.max_ns));
        td_n(b, lc_report_fmt_ns(k, sizeof(k), st.user_mean_ns));
        td_n(b, lc_report_fmt_ns(a, sizeof(a), st.sys_mean_ns));
        td_n(b, lc_report_fmt_bytes(c2, sizeof(c2), st.rss_max_bytes));
        lc_rbuf_puts(b, "</tr>\n");
    }
    lc_rbuf_puts(b, "</tbody></table></div>\n");
    card_close(b);

    struct lc_svg_chart bc;
    memset(&bc, 0, sizeof(bc));
    bc.width = WIDE_W;
    bc.title = "Wall time per command";
    bc.x = (struct lc_svg_axis){"wall time", LC_SVG_FMT_NS, false, NAN, NAN, true, true};
    card_open(b, "bench-dist", "Wall time per command",
              "Box: quartiles and median; whiskers: the furthest runs within 1.5 IQR; dots: "
              "every run.");
    rc = lc_svg_boxplot(b, &bc, boxes, r->n_commands, C_P90);
    card_close(b);
    if (rc)
        goto out;

    struct lc_report_scan *sc = NULL;
    size_t nsc = 0;
    rc = lc_report_scans(r, &sc, &nsc);
    if (rc)
        goto out;
    /* One scaling chart per scanned parameter; each scan is a colour. */
    bool *drawn = calloc(nsc ? nsc : 1, sizeof(*drawn));
    struct lc_svg_series *ser = calloc(nsc ? 2 * nsc : 1, sizeof(*ser));
    double *fit = calloc(nsc ? 2 * 2 * nsc : 1, sizeof(*fit));
    char(*names)[2][256] = calloc(nsc ? nsc : 1, sizeof(*names));
    char ***titles = calloc(nsc ? nsc : 1, sizeof(*titles));
    if (!drawn || !ser || !fit || !names || !titles)
        rc = LC_ENOMEM;
    for (size_t i = 0; i < nsc && !rc; i++) {
        if (drawn[i])
            continue;
        size_t n = 0, lines = 0;
        for (size_t j = i; j < nsc && !rc; j++) {
            if (drawn[j] || strcmp(sc[j].param, sc[i].param) != 0)
                continue;
            drawn[j] = true;
            const char *col = palette[lines++ % PALETTE_N];
            titles[j] = calloc(sc[j].n, sizeof(char *));
            if (!titles[j]) {
                rc = LC_ENOMEM;
                break;
            }
            for (size_t p = 0; p < sc[j].n; p++) {
                const struct lc_result_bench_command *cmd = r->commands[sc[j].cmd[p]];
                char t[640];
                snprintf(t, sizeof(t), "%s: median %s over %zu runs",
                         lc_report_cmd_label(cmd, lab, sizeof(lab)),
                         lc_report_fmt_ns(a, sizeof(a), sc[j].y_ns[p]), cmd->n_runs);
                titles[j][p] = strdup(t);
                if (!titles[j][p]) {
                    rc = LC_ENOMEM;
                    break;
                }
            }
            if (rc)
                break;
            snprintf(names[j][0], sizeof(names[j][0]), "%s%s%s%s", sc[j].name,
                     *sc[j].others ? " (" : "", sc[j].others, *sc[j].others ? ")" : "");
            ser[n++] = (struct lc_svg_series){names[j][0],
                                              col,
                                              LC_SVG_DOTS,
                                              sc[j].x,
                                              sc[j].y_ns,
                                              sc[j].n,
                                              (const char *const *)titles[j]};
            if (sc[j].fitted) {
                double *fx = fit + 4 * j, *fy = fx + 2;
                fx[0] = sc[j].x[0];
                fx[1] = sc[j].x[sc[j].n - 1];
                fy[0] = exp(sc[j].fit.intercept + sc[j].fit.slope * log(fx[0]));
                fy[1] = exp(sc[j].fit.intercept + sc[j].fit.slope * log(fx[1]));
                snprintf(names[j][1], sizeof(names[j][1]),
                         "fit: time \xe2\x88\x9d %s^%.2f (R\xc2\xb2 %.3f)", sc[j].param,
                         sc[j].fit.slope, sc[j].fit.r2);
                ser[n++] = (struct lc_svg_series){names[j][1], col, LC_SVG_DASHED, fx, fy, 2, NULL};
            }
        }
        if (rc)
            break;
        struct lc_svg_chart c;
        memset(&c, 0, sizeof(c));
        c.width = WIDE_W;
        c.height = 340;
        char title[300];
        snprintf(title, sizeof(title), "Scaling in %s", sc[i].param);
        c.title = title;
        /* A little room around the points: 4% of the log x range on each side. */
        double xmin = INFINITY, xmax = 0;
        for (size_t j = i; j < nsc; j++)
            if (strcmp(sc[j].param, sc[i].param) == 0 && sc[j].n) {
                xmin = fmin(xmin, sc[j].x[0]);
                xmax = fmax(xmax, sc[j].x[sc[j].n - 1]);
            }
        double pad = xmax > xmin ? pow(xmax / xmin, 0.04) : 1.25;
        c.x = (struct lc_svg_axis){sc[i].param, LC_SVG_FMT_NUM, true, xmin / pad,
                                   xmax * pad,  false,          false};
        c.y = (struct lc_svg_axis){"median wall time", LC_SVG_FMT_NS, true, NAN, NAN, false, true};
        c.series = ser;
        c.n_series = n;
        card_open(b, NULL, title,
                  "Median wall time per parameter value on log\xe2\x80\x93log axes, with the "
                  "least-squares power law: an exponent of 1 is linear, 2 quadratic.");
        rc = lc_svg_xy(b, &c);
        card_close(b);
    }
    for (size_t i = 0; titles && i < nsc; i++) {
        for (size_t p = 0; titles[i] && p < sc[i].n; p++)
            free(titles[i][p]);
        free(titles[i]);
    }
    free(titles);
    free(names);
    free(fit);
    free(ser);
    free(drawn);
    lc_report_scans_free(sc, nsc);
out:
    for (size_t i = 0; i < r->n_commands; i++) {
        if (labels)
            free(labels[i]);
        if (vals)
            free(vals[i]);
    }
    free(labels);
    free(vals);
    free(boxes);
    return rc;
}

/* ---- Tables ------------------------------------------------------------------------------ */

/*
 * Cells: requests, errors (with the rate), throughput, then latency: mean,
 * p50, p90, p95, p99, max when full, else p50, p90, p99, max.
 */
static void stats_cells(struct lc_rbuf *b, const struct lc_result_stats *s, bool full)
{
    char a[48], c[48], e[112];
    td_n(b, lc_report_fmt_count(a, sizeof(a), s->requests));
    snprintf(e, sizeof(e), "%s (%s)", lc_report_fmt_count(a, sizeof(a), s->errors),
             lc_report_fmt_frac(c, sizeof(c), lc_result_stats_error_rate(s)));
    td_n(b, s->errors ? e : "0");
    td_n(b, lc_report_fmt_rate(a, sizeof(a), s->rps));
    const struct lc_hdr *hd = &s->hist[LC_HIST_LATENCY];
    size_t cells = full ? 6 : 4;
    if (!s->has_hist[LC_HIST_LATENCY] || hd->total_count <= 0) {
        for (size_t i = 0; i < cells; i++)
            lc_rbuf_puts(b, "<td class=\"n\"></td>");
        return;
    }
    if (full)
        td_n(b, lc_report_fmt_ns(a, sizeof(a), lc_hdr_mean(hd)));
    static const double pf[] = {50, 90, 95, 99}, ps[] = {50, 90, 99};
    const double *p = full ? pf : ps;
    for (size_t i = 0; i < cells - 2 + (full ? 0 : 1); i++)
        td_n(b, lc_report_fmt_ns(a, sizeof(a), (double)lc_hdr_value_at_percentile(hd, p[i])));
    td_n(b, lc_report_fmt_ns(a, sizeof(a), (double)lc_hdr_max(hd)));
}

static const char stats_head_full[] =
    "<th class=\"n\">Requests</th><th class=\"n\">Errors</th><th class=\"n\">Throughput</th>"
    "<th class=\"n\">Mean</th><th class=\"n\">p50</th><th class=\"n\">p90</th>"
    "<th class=\"n\">p95</th><th class=\"n\">p99</th><th class=\"n\">Max</th>";

static const char stats_head_short[] =
    "<th class=\"n\">Requests</th><th class=\"n\">Errors</th><th class=\"n\">Throughput</th>"
    "<th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th>"
    "<th class=\"n\">Max</th>";

static void requests_table(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_requests == 0)
        return;
    card_open(b, "requests", "Requests by name",
              "Over the recorded phases. Latency from the intended start.");
    lc_rbuf_puts(b, "<div class=\"scroll\"><table><thead><tr><th>Name</th>");
    lc_rbuf_puts(b, stats_head_full);
    lc_rbuf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_requests; i++) {
        lc_rbuf_puts(b, "<tr>");
        td_code(b, r->requests[i]->name);
        stats_cells(b, &r->requests[i]->stats, true);
        lc_rbuf_puts(b, "</tr>\n");
    }
    if (r->n_requests > 1) {
        lc_rbuf_puts(b, "<tr class=\"total\"><td>All requests</td>");
        stats_cells(b, &r->total, true);
        lc_rbuf_puts(b, "</tr>\n");
    }
    lc_rbuf_puts(b, "</tbody></table></div>\n");
    card_close(b);
}

static void phases_table(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_phases < 2)
        return;
    card_open(b, "phases", "Phases", NULL);
    lc_rbuf_puts(b, "<div class=\"scroll\"><table><thead><tr><th>Phase</th><th>Load</th>"
                    "<th class=\"n\">Start</th><th class=\"n\">Duration</th>");
    lc_rbuf_puts(b, stats_head_short);
    lc_rbuf_puts(b, "</tr></thead><tbody>\n");
    char a[48], c[96];
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        lc_rbuf_puts(b, "<tr><td><code>");
        esc(b, ph->name);
        lc_rbuf_puts(b, "</code>");
        if (!ph->recorded)
            lc_rbuf_puts(b, " <span class=\"none\">(not recorded)</span>");
        lc_rbuf_puts(b, "</td><td style=\"white-space:nowrap\">");
        if (ph->model == LC_RESULT_MODEL_OPEN)
            snprintf(c, sizeof(c), "open, up to %s",
                     lc_report_fmt_rate(a, sizeof(a), ph->target_rps));
        else
            snprintf(c, sizeof(c), "closed, %u users", ph->target_users);
        esc(b, c);
        if (ph->breakpoint) {
            char x[48], y[48];
            lc_rbuf_printf(b, "<br><span class=\"none\">breakpoint: held %s",
                           lc_report_fmt_rate(x, sizeof(x), ph->breakpoint_held_rps));
            if (ph->breakpoint_failed_rps > 0)
                lc_rbuf_printf(b, ", broke at %s",
                               lc_report_fmt_rate(y, sizeof(y), ph->breakpoint_failed_rps));
            lc_rbuf_puts(b, "</span>");
        }
        lc_rbuf_puts(b, "</td>");
        td_n(b, lc_report_fmt_secs(a, sizeof(a), (double)ph->start_offset_ns / 1e9));
        td_n(b, lc_report_fmt_secs(a, sizeof(a), (double)ph->duration_ns / 1e9));
        stats_cells(b, &ph->stats, false);
        lc_rbuf_puts(b, "</tr>\n");
    }
    lc_rbuf_puts(b, "</tbody></table></div>\n");
    card_close(b);
}

static void status_and_errors(struct lc_rbuf *b, const struct lc_result *r)
{
    const struct lc_result_stats *s = &r->total;
    uint64_t responses = 0;
    for (int i = 0; i < LC_RESULT_STATUS_MAX; i++)
        responses += s->status[i];
    if (responses == 0 && s->n_error_kinds == 0)
        return;
    char a[48];
    lc_rbuf_puts(b, "<div class=\"grid2\" id=\"errors\">\n");
    card_open(b, NULL, "Status codes", "Responses by HTTP status over the recorded phases.");
    if (responses == 0) {
        lc_rbuf_puts(b, "<p class=\"none\">No responses.</p>\n");
    } else {
        lc_rbuf_puts(b, "<table><thead><tr><th>Status</th><th class=\"n\">Responses</th>"
                        "<th class=\"n\">Share</th></tr></thead><tbody>\n");
        for (int i = 0; i < LC_RESULT_STATUS_MAX; i++) {
            if (!s->status[i])
                continue;
            lc_rbuf_printf(b, "<tr><td class=\"s%dxx\">", i / 100);
            if (i == 0)
                lc_rbuf_puts(b, "other (outside 100\xe2\x80\x93"
                                "599)");
            else
                lc_rbuf_printf(b, "%d", i);
            lc_rbuf_puts(b, "</td>");
            td_n(b, lc_report_fmt_count(a, sizeof(a), s->status[i]));
            td_n(b, lc_report_fmt_frac(a, sizeof(a), (double)s->status[i] / (double)responses));
            lc_rbuf_puts(b, "</tr>\n");
        }
        lc_rbuf_puts(b, "</tbody></table>\n");
    }
    card_close(b);
    card_open(b, NULL, "Errors by kind", "Requests that ended in an error, by cause.");
    if (s->errors == 0 || s->n_error_kinds == 0) {
        lc_rbuf_puts(b, "<p class=\"none\">No errors.</p>\n");
    } else {
        lc_rbuf_puts(b, "<table><thead><tr><th>Kind</th><th class=\"n\">Errors</th>"
                        "<th class=\"n\">Of all requests</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < s->n_error_kinds; i++) {
            lc_rbuf_puts(b, "<tr>");
            td_code(b, s->error_kinds[i].kind);
            td_n(b, lc_report_fmt_count(a, sizeof(a), s->error_kinds[i].count));
            td_n(b, lc_report_fmt_frac(
                        a, sizeof(a),
                        s->requests ? (double)s->error_kinds[i].count / (double)s->requests : 0));
            lc_rbuf_puts(b, "</tr>\n");
        }
        lc_rbuf_puts(b, "</tbody></table>\n");
    }
    card_close(b);
    lc_rbuf_puts(b, "</div>\n");
}

/* One row of the environment table: key and HTML-escaped value (skipped when NULL). */
static void kv(struct lc_rbuf *b, const char *k, const char *v)
{
    if (!v)
        return;
    lc_rbuf_puts(b, "<tr><th>");
    esc(b, k);
    lc_rbuf_puts(b, "</th><td>");
    esc(b, v);
    lc_rbuf_puts(b, "</td></tr>\n");
}

static void env_section(struct lc_rbuf *b, const struct lc_result *r,
                        const struct lc_report_opts *opts)
{
    char a[128], c[128], d[256];
    card_open(b, "env", "Environment", NULL);
    lc_rbuf_puts(b, "<table class=\"kv\"><tbody>\n");
    kv(b, "Kind", lc_result_kind_name(r->kind));
    if (r->name && strcmp(r->name, lc_result_kind_name(r->kind)) != 0)
        kv(b, "Name", r->name);
    if (r->host.hostname || r->host.cpu_model) {
        kv(b, "Host", r->host.hostname);
        kv(b, "Operating system", r->host.os_name);
        if (r->host.kernel_release || r->host.arch) {
            snprintf(d, sizeof(d), "%s%s%s", r->host.kernel_release ? r->host.kernel_release : "",
                     r->host.kernel_release && r->host.arch ? " " : "",
                     r->host.arch ? r->host.arch : "");
            kv(b, "Kernel", d);
        }
        if (r->host.cpu_model || r->host.logical_cores) {
            snprintf(d, sizeof(d), "%s%s%u logical cores",
                     r->host.cpu_model ? r->host.cpu_model : "", r->host.cpu_model ? ", " : "",
                     r->host.logical_cores);
            kv(b, "CPU", d);
        }
        if (r->host.mem_total_bytes)
            kv(b, "Memory", lc_report_fmt_bytes(a, sizeof(a), (double)r->host.mem_total_bytes));
    }
    snprintf(d, sizeof(d), "loadcell %s%s%s%s", r->tool_version ? r->tool_version : "(unknown)",
             r->tool_commit ? " (commit " : "", r->tool_commit ? r->tool_commit : "",
             r->tool_commit ? ")" : "");
    kv(b, "Tool", d);
    if (r->argc > 0) {
        lc_rbuf_puts(b, "<tr><th>Command line</th><td><code>");
        shell_words(b, r->argv, r->argc);
        lc_rbuf_puts(b, "</code></td></tr>\n");
    }
    kv(b, "Scenario file", r->scenario_path);
    kv(b, "Result file", opts ? opts->source : NULL);
    kv(b, "Started", lc_report_fmt_wall(a, sizeof(a), r->start_wall_ns));
    kv(b, "Ended", lc_report_fmt_wall(c, sizeof(c), r->end_wall_ns));
    kv(b, "Duration", lc_report_fmt_secs(a, sizeof(a), (double)r->duration_ns / 1e9));
    if (r->partial)
        kv(b, "Partial", r->stop_reason ? r->stop_reason : "yes (stopped early)");
    else if (r->stop_reason)
        kv(b, "Stop reason", r->stop_reason);
    if (r->has_load) {
        const struct lc_result_load *l = &r->load;
        kv(b, "Target", l->target_url);
        kv(b, "Method", l->method);
        if (l->model == LC_RESULT_MODEL_OPEN)
            snprintf(d, sizeof(d), "open: %s (%s arrivals), up to %u connections, %u threads",
                     lc_report_fmt_rate(a, sizeof(a), l->rate_per_s),
                     lc_result_arrival_name(l->arrival), l->connections, l->threads);
        else
            snprintf(d, sizeof(d), "closed: %u users, %u threads%s", l->connections, l->threads,
                     l->pipeline_depth > 1 ? ", pipelined" : "");
        kv(b, "Load", d);
        if (l->duration_ns || l->request_limit) {
            size_t o = 0;
            d[0] = '\0';
            if (l->duration_ns)
                o += (size_t)snprintf(
                    d, sizeof(d), "%s",
                    lc_report_fmt_secs(a, sizeof(a), (double)l->duration_ns / 1e9));
            if (l->request_limit && o < sizeof(d))
                snprintf(d + o, sizeof(d) - o, "%s%s requests", o ? ", at most " : "",
                         lc_report_fmt_count(c, sizeof(c), l->request_limit));
            kv(b, "Planned", d);
        }
        if (l->warmup_ns)
            kv(b, "Warm-up", lc_report_fmt_secs(a, sizeof(a), (double)l->warmup_ns / 1e9));
        if (l->timeout_ns)
            kv(b, "Timeout", lc_report_fmt_secs(a, sizeof(a), (double)l->timeout_ns / 1e9));
        if (l->think_max_ns) {
            snprintf(d, sizeof(d), "%s \xe2\x80\x93 %s",
                     lc_report_fmt_ns(a, sizeof(a), (double)l->think_min_ns),
                     lc_report_fmt_ns(c, sizeof(c), (double)l->think_max_ns));
            kv(b, "Think time", d);
        }
    }
    double gen = r->gen_cpu_user_s + r->gen_cpu_sys_s;
    if (gen > 0) {
        size_t o = (size_t)snprintf(d, sizeof(d), "%.2f s user + %.2f s system", r->gen_cpu_user_s,
                                    r->gen_cpu_sys_s);
        if (r->total.requests > 0 && o < sizeof(d))
            snprintf(d + o, sizeof(d) - o, " (%s per request)",
                     lc_report_fmt_ns(a, sizeof(a), gen * 1e9 / (double)r->total.requests));
        kv(b, "Generator CPU", d);
    }
    if (r->n_warnings) {
        lc_rbuf_puts(b, "<tr><th>Warnings</th><td>");
        for (size_t i = 0; i < r->n_warnings; i++) {
            if (i)
                lc_rbuf_puts(b, "<br>");
            esc(b, r->warnings[i]);
        }
        lc_rbuf_puts(b, "</td></tr>\n");
    }
    lc_rbuf_puts(b, "</tbody></table>\n");
    card_close(b);
}

/* ---- Summary ------------------------------------------------------------------------------ */

static void tile(struct lc_rbuf *b, const char *k, const char *v, const char *cls, const char *s)
{
    lc_rbuf_puts(b, "<div class=\"tile\"><div class=\"k\">");
    esc(b, k);
    lc_rbuf_printf(b, "</div><div class=\"v%s%s\">", cls ? " " : "", cls ? cls : "");
    esc(b, v);
    lc_rbuf_puts(b, "</div>");
    if (s) {
        lc_rbuf_puts(b, "<div class=\"s\">");
        esc(b, s);
        lc_rbuf_puts(b, "</div>");
    }
    lc_rbuf_puts(b, "</div>\n");
}

static void summary(struct lc_rbuf *b, const struct lc_result *r, const struct lc_report_figures *f)
{
    char vt[640];
    lc_rbuf_printf(b, "<section class=\"card verdict %s\" id=\"summary\"><div class=\"word\">",
                   verdict_cls(f->verdict));
    esc(b, lc_report_verdict_word(f->verdict));
    lc_rbuf_puts(b, "</div><div><div>");
    esc(b, lc_report_verdict_text(r, f, vt, sizeof(vt)));
    lc_rbuf_puts(b, "</div>");
    if (r->n_warnings) {
        lc_rbuf_puts(b, "<ul class=\"warnings\">");
        for (size_t i = 0; i < r->n_warnings; i++) {
            lc_rbuf_puts(b, "<li>\xe2\x9a\xa0 ");
            esc(b, r->warnings[i]);
            lc_rbuf_puts(b, "</li>");
        }
        lc_rbuf_puts(b, "</ul>");
    }
    lc_rbuf_puts(b, "</div></section>\n");

    char a[64], c[64], s[96];
    lc_rbuf_puts(b, "<div class=\"tiles\">\n");
    if (f->load) {
        snprintf(s, sizeof(s), "over %s", lc_report_fmt_secs(c, sizeof(c), f->recorded_s));
        tile(b, "Requests", lc_report_fmt_count(a, sizeof(a), f->requests), NULL, s);
        if (f->target_rps > 0)
            snprintf(s, sizeof(s), "of %s asked", lc_report_fmt_rate(c, sizeof(c), f->target_rps));
        else
            snprintf(s, sizeof(s), "closed model");
        tile(b, "Throughput", lc_report_fmt_rate(a, sizeof(a), f->rps), NULL, s);
        snprintf(s, sizeof(s), "%s errors", lc_report_fmt_count(c, sizeof(c), f->errors));
        tile(b, "Error rate", lc_report_fmt_frac(a, sizeof(a), f->error_rate),
             f->errors ? "bad" : NULL, s);
        if (isfinite(f->p50_ns)) {
            snprintf(s, sizeof(s), "mean %s", lc_report_fmt_ns(c, sizeof(c), f->mean_ns));
            tile(b, "p50 latency", lc_report_fmt_ns(a, sizeof(a), f->p50_ns), NULL, s);
            snprintf(s, sizeof(s), "p90 %s", lc_report_fmt_ns(c, sizeof(c), f->p90_ns));
            tile(b, "p95 latency", lc_report_fmt_ns(a, sizeof(a), f->p95_ns), NULL, s);
            snprintf(s, sizeof(s), "p99.9 %s", lc_report_fmt_ns(c, sizeof(c), f->p999_ns));
            tile(b, "p99 latency", lc_report_fmt_ns(a, sizeof(a), f->p99_ns), NULL, s);
            tile(b, "Max latency", lc_report_fmt_ns(a, sizeof(a), f->max_ns), NULL, NULL);
        }
    } else if (r->n_commands) {
        snprintf(a, sizeof(a), "%zu", r->n_commands);
        size_t runs = 0;
        for (size_t i = 0; i < r->n_commands; i++)
            runs += r->commands[i]->n_runs;
        snprintf(s, sizeof(s), "%zu timed runs", runs);
        tile(b, "Commands", a, NULL, s);
        tile(b, "Duration", lc_report_fmt_secs(c, sizeof(c), (double)r->duration_ns / 1e9), NULL,
             NULL);
    } else if (r->n_resources) {
        tile(b, "Duration", lc_report_fmt_secs(c, sizeof(c), (double)r->duration_ns / 1e9), NULL,
             NULL);
        snprintf(a, sizeof(a), "%zu", r->n_resources);
        tile(b, "Resource series", a, NULL, NULL);
    }
    size_t nt = f->thr_pass + f->thr_warn + f->thr_fail;
    if (nt) {
        snprintf(a, sizeof(a), "%zu / %zu", f->thr_pass + f->thr_warn, nt);
        if (f->thr_fail)
            snprintf(s, sizeof(s), "held; %zu failed", f->thr_fail);
        else if (f->thr_warn)
            snprintf(s, sizeof(s), "held; %zu near the limit", f->thr_warn);
        else
            snprintf(s, sizeof(s), "held: all passed");
        tile(b, "Thresholds", a, f->thr_fail ? "bad" : "good", s);
    }
    lc_rbuf_puts(b, "</div>\n");
}

static void findings_section(struct lc_rbuf *b, const struct lc_findings *fs)
{
    card_open(b, "findings", "Findings",
              "What the data shows, found automatically; each names the figures behind it.");
    if (fs->n == 0) {
        lc_rbuf_puts(b, "<p class=\"none\">Nothing stands out: no saturation, error bursts, long "
                        "tail, memory growth, warm-up effect or generator limit was found.</p>\n");
        card_close(b);
        return;
    }
    lc_rbuf_puts(b, "<ul class=\"findings\">\n");
    for (size_t i = 0; i < fs->n; i++) {
        const struct lc_finding *f = &fs->items[i];
        const char *cls = f->severity == LC_FINDING_CRITICAL  ? "fail"
                          : f->severity == LC_FINDING_WARNING ? "warn"
                                                              : "info";
        lc_rbuf_printf(b, "<li><span class=\"pill %s\">%s</span><span>", cls,
                       lc_finding_severity_name(f->severity));
        esc(b, f->text);
        lc_rbuf_printf(b, "</span><span class=\"kind\">%s</span></li>\n",
                       lc_finding_kind_id(f->kind));
    }
    lc_rbuf_puts(b, "</ul>\n");
    card_close(b);
}

static void thresholds_section(struct lc_rbuf *b, const struct lc_result *r)
{
    if (r->n_thresholds == 0)
        return;
    card_open(b, "thresholds", "Thresholds",
              "Green: passed; yellow: passed within 10% of the limit; red: failed.");
    lc_rbuf_puts(b, "<div class=\"scroll\"><table><thead><tr><th>Status</th><th>Threshold</th>"
                    "<th>Scope</th><th class=\"n\">Observed</th><th class=\"n\">Limit</th>"
                    "</tr></thead><tbody>\n");
    char o[64], l[64], lim[96];
    for (size_t i = 0; i < r->n_thresholds; i++) {
        const struct lc_result_threshold *t = &r->thresholds[i];
        lc_rbuf_printf(b, "<tr><td><span class=\"pill %s\">%s</span>%s</td>", thr_cls(t->verdict),
                       lc_result_verdict_name(t->verdict),
                       t->abort ? " <span class=\"none\">(aborts)</span>" : "");
        td_code(b, t->expr);
        lc_rbuf_puts(b, "<td>");
        esc(b, t->scope ? t->scope : "whole run");
        lc_rbuf_puts(b, "</td>");
        td_n(b, lc_report_fmt_value(o, sizeof(o), t->observed, t->unit));
        snprintf(lim, sizeof(lim), "%s %s", t->op ? t->op : "",
                 lc_report_fmt_value(l, sizeof(l), t->limit, t->unit));
        td_n(b, lim);
        lc_rbuf_puts(b, "</tr>\n");
    }
    lc_rbuf_puts(b, "</tbody></table></div>\n");
    card_close(b);
}

/* ---- The page ------------------------------------------------------------------------------- */

int lc_report_html_render(const struct lc_result *r, const struct lc_report_opts *opts, char **out,
                          size_t *len, struct lc_error *err)
{
    struct lc_rbuf b;
    lc_rbuf_init(&b, 0);
    struct lc_findings fs = {0};
    struct timeline tl = {0};
    struct decor d = {0};
    int rc = lc_findings_analyze(r, &fs);
    if (!rc)
        rc = timeline_build(r, &tl);
    if (!rc)
        rc = decor_build(r, &fs, &d);
    if (rc)
        goto done;
    struct lc_report_figures fig;
    lc_report_figures(r, &fig);
    char title[512], w[64], dur[48];
    lc_report_title(r, opts, title, sizeof(title));

    lc_rbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"loadcell\">\n<title>");
    esc(&b, title);
    lc_rbuf_puts(&b, "</title>\n<style>");
    lc_rbuf_puts(&b, page_css);
    lc_rbuf_puts(&b, lc_svg_css());
    lc_rbuf_puts(&b, "</style>\n</head>\n<body><main>\n<header><h1>");
    esc(&b, title);
    lc_rbuf_puts(&b, "</h1><div class=\"sub\">");
    lc_rbuf_printf(&b, "loadcell %s \xc2\xb7 started %s \xc2\xb7 %s", lc_result_kind_name(r->kind),
                   lc_report_fmt_wall(w, sizeof(w), r->start_wall_ns),
                   lc_report_fmt_secs(dur, sizeof(dur), (double)r->duration_ns / 1e9));
    if (r->host.hostname) {
        lc_rbuf_puts(&b, " \xc2\xb7 ");
        esc(&b, r->host.hostname);
    }
    if (r->partial)
        lc_rbuf_puts(&b, " \xc2\xb7 <strong>partial</strong>");
    lc_rbuf_puts(&b, "</div>\n<nav><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings"
                     "</a>");
    if (r->n_thresholds)
        lc_rbuf_puts(&b, "<a href=\"#thresholds\">Thresholds</a>");
    if (tl.n)
        lc_rbuf_puts(&b, "<a href=\"#throughput\">Charts</a>");
    if (r->n_resources)
        lc_rbuf_puts(&b, "<a href=\"#resources\">Resources</a>");
    if (r->n_commands)
        lc_rbuf_puts(&b, "<a href=\"#bench\">Commands</a>");
    if (r->n_requests)
        lc_rbuf_puts(&b, "<a href=\"#requests\">Requests</a>");
    lc_rbuf_puts(&b, "<a href=\"#env\">Environment</a></nav></header>\n");

    summary(&b, r, &fig);
    findings_section(&b, &fs);
    thresholds_section(&b, r);
    rc = time_charts(&b, r, &tl, &d);
    if (!rc)
        rc = distribution_charts(&b, r);
    if (!rc)
        rc = resource_charts(&b, r, &d);
    if (!rc)
        rc = bench_section(&b, r);
    if (rc)
        goto done;
    requests_table(&b, r);
    phases_table(&b, r);
    status_and_errors(&b, r);
    env_section(&b, r, opts);
    lc_rbuf_puts(&b, "<footer>Made by loadcell ");
    esc(&b, r->tool_version ? r->tool_version : "");
    if (opts && opts->source) {
        lc_rbuf_puts(&b, " from <code>");
        esc(&b, opts->source);
        lc_rbuf_puts(&b, "</code>");
    }
    lc_rbuf_puts(&b, ". Every figure can be traced to the result file (docs/result-schema.md)."
                     "</footer>\n</main></body></html>\n");
    rc = lc_rbuf_error(&b);
done:
    lc_findings_free(&fs);
    timeline_free(&tl);
    decor_free(&d);
    if (rc) {
        lc_rbuf_free(&b);
        return lc_error_set(err, rc, "cannot render the HTML report: %s", lc_strerror(rc));
    }
    *out = lc_rbuf_take(&b, len);
    if (!*out)
        return lc_error_set(err, LC_ENOMEM, "cannot render the HTML report: out of memory");
    return 0;
}

int lc_report_html_write(const struct lc_result *r, const struct lc_report_opts *opts,
                         const char *path, struct lc_error *err)
{
    char *text;
    size_t len;
    int rc = lc_report_html_render(r, opts, &text, &len, err);
    if (rc)
        return rc;
    rc = lc_report_write_file(path, text, len, "the HTML report", err);
    free(text);
    return rc;
}
