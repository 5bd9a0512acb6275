/* SVG charts for reports: XY lines and dots (linear or log axes), bars and box plots, inline. */
#include "results/svg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "results/report_fmt.h"

#define MAX_TICKS    32
#define CHAR_W       6.8 /* average width of a 12 px character, for layout */
#define LEGEND_ROW_H 18.0
#define BOX_ROW_H    28.0
#define HOVER_MAX    240 /* hover columns per chart at most */

/* ---- Formatting --------------------------------------------------------------- */

/* Drop trailing zeros after a decimal point: "20.0 ms" -> "20 ms", "2.50 s" -> "2.5 s". */
static void strip_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot)
        return;
    char *end = dot + 1;
    while (*end >= '0' && *end <= '9')
        end++;
    char *last = end; /* one past the digits */
    while (last > dot + 1 && last[-1] == '0')
        last--;
    if (last == dot + 1)
        last = dot; /* all zeros: drop the point too */
    memmove(last, end, strlen(end) + 1);
}

/* Time since start for ticks: "0s", "45s", "2m", "1m 30s", "1h", "1h 30m". */
static void fmt_secs_tick(char *buf, size_t size, double s)
{
    double a = fabs(s);
    const char *sign = s < 0 ? "-" : "";
    if (a < 60) {
        snprintf(buf, size, "%s%gs", sign, round(a * 1000) / 1000);
        return;
    }
    long t = lround(a);
    if (t < 3600) {
        if (t % 60 == 0)
            snprintf(buf, size, "%s%ldm", sign, t / 60);
        else
            snprintf(buf, size, "%s%ldm %02lds", sign, t / 60, t % 60);
        return;
    }
    long m = lround(a / 60);
    if (m % 60 == 0)
        snprintf(buf, size, "%s%ldh", sign, m / 60);
    else
        snprintf(buf, size, "%s%ldh %02ldm", sign, m / 60, m % 60);
}

/* x = 1 / (1 - p) as a percentile: 1 -> "0%", 10 -> "90%", 1000 -> "99.9%". */
static void fmt_percentile(char *buf, size_t size, double x)
{
    if (!(x >= 1)) {
        snprintf(buf, size, "0%%");
        return;
    }
    double pct = 100.0 - 100.0 / x;
    int dec = (int)ceil(log10(x) - 2 - 1e-9);
    if (dec < 0)
        dec = 0;
    if (dec > 9)
        dec = 9;
    snprintf(buf, size, "%.*f%%", dec, pct);
    strip_zeros(buf);
}

char *lc_svg_format(char *buf, size_t size, enum lc_svg_fmt fmt, double v)
{
    switch (fmt) {
    case LC_SVG_FMT_NS:
        return lc_report_fmt_ns(buf, size, v);
    case LC_SVG_FMT_SECS:
        return lc_report_fmt_secs(buf, size, v);
    case LC_SVG_FMT_BYTES:
        return lc_report_fmt_bytes(buf, size, v);
    case LC_SVG_FMT_RATE:
        return lc_report_fmt_rate(buf, size, v);
    case LC_SVG_FMT_PCT:
        if (!isfinite(v))
            snprintf(buf, size, "n/a");
        else
            snprintf(buf, size, "%.3g%%", v);
        return buf;
    case LC_SVG_FMT_PERCENTILE:
        fmt_percentile(buf, size, v);
        return buf;
    case LC_SVG_FMT_NUM:
        break;
    }
    return lc_report_fmt_num(buf, size, v);
}

/* A tick label: like lc_svg_format, without needless trailing zeros. */
static void tick_label(char *buf, size_t size, enum lc_svg_fmt fmt, double v)
{
    if (fabs(v) < 1e-12)
        v = 0;
    if (v == 0 && fmt != LC_SVG_FMT_SECS && fmt != LC_SVG_FMT_PERCENTILE && fmt != LC_SVG_FMT_PCT &&
        fmt != LC_SVG_FMT_RATE) {
        snprintf(buf, size, "0");
        return;
    }
    switch (fmt) {
    case LC_SVG_FMT_SECS:
        fmt_secs_tick(buf, size, v);
        return;
    case LC_SVG_FMT_PERCENTILE:
        fmt_percentile(buf, size, v);
        return;
    case LC_SVG_FMT_RATE: {
        char n[32];
        lc_report_fmt_num(n, sizeof(n), v);
        snprintf(buf, size, "%s/s", n);
        break;
    }
    case LC_SVG_FMT_PCT:
        snprintf(buf, size, "%g%%", v);
        break;
    default:
        lc_svg_format(buf, size, fmt, v);
    }
    strip_zeros(buf);
}

/* ---- Scales and ticks ------------------------------------------------------------ */

/* A value axis mapped onto pixels [p0, p1]. */
struct scale {
    double lo, hi;
    bool log;
    double p0, p1;
};

static double map(const struct scale *s, double v)
{
    double t;
    if (s->log)
        t = (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));
    else
        t = (v - s->lo) / (s->hi - s->lo);
    return s->p0 + t * (s->p1 - s->p0);
}

/* Whether v can be placed on the scale. */
static bool usable(const struct lc_svg_axis *a, double v)
{
    return isfinite(v) && (!a->log || v > 0);
}

/* A 1-2-5 step near raw. */
static double nice_step(double raw)
{
    if (!(raw > 0))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    double f = norm <= 1.0001 ? 1 : norm <= 2.0001 ? 2 : norm <= 5.0001 ? 5 : 10;
    return f * mag;
}

/* A step for time in seconds: 1-2-5 below a second, then 1 2 5 10 15 30 s, 1 2 5 10 15 30 m, 1 2 3
 * 6 12 h. */
static double secs_step(double raw)
{
    static const double steps[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                                   600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    if (raw < 1)
        return nice_step(raw);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] >= raw * 0.999)
            return steps[i];
    return nice_step(raw / 86400) * 86400;
}

/* Linear ticks over [lo, hi], about `target` of them; returns the count, *step_out the step. */
static size_t linear_ticks(double lo, double hi, int target, enum lc_svg_fmt fmt, double *t,
                           double *step_out)
{
    double raw = (hi - lo) / (target > 1 ? target : 1);
    double step = fmt == LC_SVG_FMT_SECS ? secs_step(raw) : nice_step(raw);
    size_t n = 0;
    double first = ceil(lo / step - 1e-9) * step;
    for (double v = first; v <= hi + step * 1e-9 && n < MAX_TICKS; v = first + (double)n * step)
        t[n++] = v;
    if (step_out)
        *step_out = step;
    return n;
}

/* Log ticks over [lo, hi] (> 0): decades, with 2 and 5 when there are few decades. */
static size_t log_ticks(double lo, double hi, enum lc_svg_fmt fmt, double *t)
{
    size_t n = 0;
    int d0 = (int)floor(log10(lo) + 1e-9), d1 = (int)ceil(log10(hi) - 1e-9);
    int decades = d1 - d0;
    static const double m125[] = {1, 2, 5};
    static const double m1[] = {1};
    static const double m19[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const double *mult = decades > 3 ? m1 : m125;
    size_t nm = decades > 3 ? 1 : 3;
    if (fmt == LC_SVG_FMT_PERCENTILE) {
        mult = m1;
        nm = 1;
    } else if (decades <= 1) {
        mult = m19;
        nm = 9;
    }
    int every = decades > 12 ? 2 : 1;
    for (int d = d0; d <= d1 && n < MAX_TICKS; d++) {
        if ((d - d0) % every)
            continue;
        for (size_t i = 0; i < nm && n < MAX_TICKS; i++) {
            double v = mult[i] * pow(10, d);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                t[n++] = v;
        }
    }
    if (fmt == LC_SVG_FMT_PERCENTILE && lo <= 2 && hi >= 4 && n < MAX_TICKS) {
        /* 50% sits between 0% and 90%: insert it in order. */
        size_t k = 0;
        while (k < n && t[k] < 2)
            k++;
        memmove(t + k + 1, t + k, (n - k) * sizeof(*t));
        t[k] = 2;
        n++;
    }
    return n;
}

/* Decide an axis's range from its settings and the data range [dlo, dhi] (finite or NaN). */
static void axis_range(const struct lc_svg_axis *a, double dlo, double dhi, int target, double *lo,
                       double *hi)
{
    double l = isfinite(a->min) ? a->min : dlo;
    double h = isfinite(a->max) ? a->max : dhi;
    if (!isfinite(l) || !isfinite(h)) {
        l = a->log ? 1 : 0;
        h = a->log ? 10 : 1;
    }
    if (!a->log && a->zero) {
        l = fmin(l, 0);
        h = fmax(h, 0);
    }
    if (a->log) {
        if (h <= l) {
            l /= 2;
            h *= 2;
        }
    } else if (h <= l) {
        double d = fabs(h) > 0 ? fabs(h) * 0.1 : 1;
        if (l == 0 && a->zero)
            h = l + d;
        else {
            l -= d;
            h += d;
        }
    }
    if (a->nice && !a->log) {
        double step =
            a->fmt == LC_SVG_FMT_SECS ? secs_step((h - l) / target) : nice_step((h - l) / target);
        if (!isfinite(a->max))
            h = ceil(h / step - 1e-9) * step;
        if (!isfinite(a->min))
            l = floor(l / step + 1e-9) * step;
    } else if (a->nice && a->log) {
        /* Extend to the nearest 1-2-5 values around the data. */
        if (!isfinite(a->min)) {
            double d = pow(10, floor(log10(l)));
            l = l >= 5 * d ? 5 * d : l >= 2 * d ? 2 * d : d;
        }
        if (!isfinite(a->max)) {
            double d = pow(10, floor(log10(h)));
            h = h <= d * (1 + 1e-9) ? d : h <= 2 * d ? 2 * d : h <= 5 * d ? 5 * d : 10 * d;
        }
    }
    *lo = l;
    *hi = h;
}

static size_t ticks_for(const struct lc_svg_axis *a, double lo, double hi, int target, double *t)
{
    if (a->log)
        return log_ticks(lo, hi, a->fmt, t);
    return linear_ticks(lo, hi, target, a->fmt, t, NULL);
}

/* ---- Common drawing ------------------------------------------------------------------- */

/* The plot area and its scales. */
struct frame {
    double w, h;                  /* viewBox */
    double left, top, right, bot; /* plot area edges in px */
    struct scale sx, sy;
    double xt[MAX_TICKS], yt[MAX_TICKS];
    size_t nxt, nyt;
    double legend_y; /* first legend row's baseline */
};

/* Approximate rendered width of a UTF-8 string at 12 px. */
static double text_w(const char *s)
{
    double n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            n++;
    return n * CHAR_W;
}

static void svg_open(struct lc_rbuf *b, const struct lc_svg_chart *c, double w, double h)
{
    lc_rbuf_printf(b,
                   "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f "
                   "%.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"",
                   w, h, w, h);
    lc_rbuf_html(b, c->title ? c->title : "chart");
    lc_rbuf_puts(b, "\"><title>");
    lc_rbuf_html(b, c->title ? c->title : "chart");
    lc_rbuf_puts(b, "</title>\n");
}

/* Grid lines, axis lines, tick labels and axis titles. */
static void draw_axes(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct frame *f,
                      bool x_axis)
{
    char lab[48];
    lc_rbuf_puts(b, "<g class=\"grid\">");
    for (size_t i = 0; i < f->nyt; i++) {
        double y = map(&f->sy, f->yt[i]);
        lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", f->left, y,
                       f->right, y);
    }
    for (size_t i = 0; x_axis && i < f->nxt; i++) {
        double x = map(&f->sx, f->xt[i]);
        lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, f->top, x,
                       f->bot);
    }
    lc_rbuf_puts(b, "</g>\n<g class=\"axis\">");
    lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", f->left, f->bot,
                   f->right, f->bot);
    lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", f->left, f->top,
                   f->left, f->bot);
    for (size_t i = 0; i < f->nyt; i++) {
        double y = map(&f->sy, f->yt[i]);
        tick_label(lab, sizeof(lab), c->y.fmt, f->yt[i]);
        lc_rbuf_printf(b, "<text class=\"yt\" x=\"%.1f\" y=\"%.1f\">", f->left - 6, y + 4);
        lc_rbuf_html(b, lab);
        lc_rbuf_puts(b, "</text>");
    }
    double last_end = -1e9;
    for (size_t i = 0; x_axis && i < f->nxt; i++) {
        double x = map(&f->sx, f->xt[i]);
        tick_label(lab, sizeof(lab), c->x.fmt, f->xt[i]);
        double w = text_w(lab);
        if (x - w / 2 < last_end + 6)
            continue; /* would overlap the previous label */
        last_end = x + w / 2;
        lc_rbuf_printf(b, "<text class=\"xt\" x=\"%.1f\" y=\"%.1f\">", x, f->bot + 19);
        lc_rbuf_html(b, lab);
        lc_rbuf_puts(b, "</text>");
    }
    if (c->x.label) {
        lc_rbuf_printf(b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">", (f->left + f->right) / 2,
                       f->bot + 37);
        lc_rbuf_html(b, c->x.label);
        if (c->x.log && c->x.fmt != LC_SVG_FMT_PERCENTILE)
            lc_rbuf_puts(b, " (log scale)");
        lc_rbuf_puts(b, "</text>");
    }
    if (c->y.label) {
        double cy = (f->top + f->bot) / 2;
        lc_rbuf_printf(b, "<text class=\"yl\" transform=\"translate(14 %.1f) rotate(-90)\">", cy);
        lc_rbuf_html(b, c->y.label);
        if (c->y.log)
            lc_rbuf_puts(b, " (log scale)");
        lc_rbuf_puts(b, "</text>");
    }
    lc_rbuf_puts(b, "</g>\n");
}

/* Legend entries laid out in rows from the plot's left edge; returns the number of rows. */
static int legend_rows(const struct lc_svg_chart *c, double left, double right)
{
    if (c->no_legend || c->n_series == 0)
        return 0;
    int rows = 1;
    double x = left;
    for (size_t i = 0; i < c->n_series; i++) {
        double w = 26 + text_w(c->series[i].name ? c->series[i].name : "") + 16;
        if (x + w > right && x > left) {
            rows++;
            x = left;
        }
        x += w;
    }
    return rows;
}

static void draw_legend(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct frame *f)
{
    if (c->note) {
        lc_rbuf_printf(b, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">", f->right, f->legend_y);
        lc_rbuf_html(b, c->note);
        lc_rbuf_puts(b, "</text>\n");
    }
    if (c->no_legend || c->n_series == 0)
        return;
    lc_rbuf_puts(b, "<g class=\"legend\">");
    double x = f->left, y = f->legend_y;
    for (size_t i = 0; i < c->n_series; i++) {
        const struct lc_svg_series *s = &c->series[i];
        const char *name = s->name ? s->name : "";
        double w = 26 + text_w(name) + 16;
        if (x + w > f->right && x > f->left) {
            x = f->left;
            y += LEGEND_ROW_H;
        }
        if (s->style == LC_SVG_DOTS)
            lc_rbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", x + 10,
                           y - 4, s->color);
        else
            lc_rbuf_printf(b,
                           "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                           "stroke-width=\"3\"%s/>",
                           x, y - 4, x + 20, y - 4, s->color,
                           s->style == LC_SVG_DASHED ? " stroke-dasharray=\"5 3\"" : "");
        lc_rbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 26, y);
        lc_rbuf_html(b, name);
        lc_rbuf_puts(b, "</text>");
        x += w;
    }
    lc_rbuf_puts(b, "</g>\n");
}

static void no_data(struct lc_rbuf *b, const struct frame *f)
{
    lc_rbuf_printf(b, "<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\">no data</text>\n",
                   (f->left + f->right) / 2, (f->top + f->bot) / 2);
}

/* Data range of the series along x (axis a) or y. */
static void data_range(const struct lc_svg_chart *c, bool along_x, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < c->n_series; i++) {
        const struct lc_svg_series *s = &c->series[i];
        for (size_t j = 0; j < s->n; j++) {
            double x = s->x[j], y = s->y[j];
            if (!usable(&c->x, x) || !usable(&c->y, y))
                continue;
            double v = along_x ? x : y;
            *lo = fmin(*lo, v);
            *hi = fmax(*hi, v);
        }
    }
    if (*lo > *hi) {
        *lo = NAN;
        *hi = NAN;
    }
}

/*
 * Lay the frame out: legend rows at the top, y tick labels at the left,
 * x tick labels and title at the bottom. The y ticks depend on the height
 * left for the plot, the left margin on the y tick labels, and the legend's
 * rows on the plot's width: a second pass settles the rows when the first
 * guess of the left margin was wrong.
 */
static void layout(const struct lc_svg_chart *c, struct frame *f, double xlo, double xhi,
                   double ylo, double yhi)
{
    f->w = c->width > 0 ? c->width : 1100;
    f->h = c->height > 0 ? c->height : 300;
    f->right = f->w - 16;
    /* Wide charts share one left edge (stacked time charts line up) unless labels need more. */
    double min_left = f->w >= 800 ? 84 : 40;
    f->left = min_left;
    int rows = -1;
    for (int pass = 0; pass < 2; pass++) {
        int want = legend_rows(c, f->left, f->right);
        if (want == rows)
            break;
        rows = want;
        bool top_text = rows > 0 || c->note;
        f->legend_y = 16;
        f->top = (top_text ? 10 + (rows > 0 ? rows : 1) * LEGEND_ROW_H : 12) + 4;
        f->bot = f->h - (c->x.label ? 46 : 28);
        int ytarget = (int)((f->bot - f->top) / 48);
        if (ytarget < 2)
            ytarget = 2;
        double lo, hi;
        axis_range(&c->y, ylo, yhi, ytarget, &lo, &hi);
        f->sy = (struct scale){lo, hi, c->y.log, f->bot, f->top};
        f->nyt = ticks_for(&c->y, lo, hi, ytarget, f->yt);
        double maxw = 0;
        char lab[48];
        for (size_t i = 0; i < f->nyt; i++) {
            tick_label(lab, sizeof(lab), c->y.fmt, f->yt[i]);
            maxw = fmax(maxw, text_w(lab));
        }
        f->left = fmax(maxw + 14 + (c->y.label ? 20 : 0), min_left);
    }
    int xtarget = (int)((f->right - f->left) / 90);
    if (xtarget < 2)
        xtarget = 2;
    double xl, xh;
    axis_range(&c->x, xlo, xhi, xtarget, &xl, &xh);
    f->sx = (struct scale){xl, xh, c->x.log, f->left, f->right};
    f->nxt = ticks_for(&c->x, xl, xh, xtarget, f->xt);
}

/* ---- XY charts --------------------------------------------------------------------------- */

/* Emit one point of a path: "M" at the start of a segment, "L" after. */
static void path_pt(struct lc_rbuf *b, bool *pen, double x, double y)
{
    lc_rbuf_printf(b, "%c%.1f %.1f", *pen ? 'L' : 'M', x, y);
    *pen = true;
}

/* Indices of the points to draw: all, or per pixel column first/min/max/last. */
static size_t reduce(const struct lc_svg_series *s, const struct frame *f,
                     const struct lc_svg_axis *ax, const struct lc_svg_axis *ay, size_t *idx)
{
    double px_w = f->right - f->left;
    if ((double)s->n <= 4 * px_w || s->style == LC_SVG_DOTS) {
        for (size_t i = 0; i < s->n; i++)
            idx[i] = i;
        return s->n;
    }
    size_t m = 0;
    size_t i = 0;
    while (i < s->n) {
        /* Gaps are kept as they are, so lines still break there. */
        if (!usable(ax, s->x[i]) || !usable(ay, s->y[i])) {
            idx[m++] = i++;
            continue;
        }
        long col = lround(floor(map(&f->sx, s->x[i])));
        size_t first = i, lo = i, hi = i, last = i;
        while (i < s->n && usable(ax, s->x[i]) && usable(ay, s->y[i]) &&
               lround(floor(map(&f->sx, s->x[i]))) == col) {
            if (s->y[i] < s->y[lo])
                lo = i;
            if (s->y[i] > s->y[hi])
                hi = i;
            last = i++;
        }
        size_t pick[4] = {first, lo < hi ? lo : hi, lo < hi ? hi : lo, last};
        for (int k = 0; k < 4; k++)
            if (m == 0 || idx[m - 1] < pick[k])
                idx[m++] = pick[k];
    }
    return m;
}

static void draw_series(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct frame *f,
                        const struct lc_svg_series *s, size_t *idx)
{
    char xs[48], ys[48];
    if (s->style == LC_SVG_DOTS) {
        lc_rbuf_printf(b, "<g fill=\"%s\">", s->color);
        for (size_t i = 0; i < s->n; i++) {
            if (!usable(&c->x, s->x[i]) || !usable(&c->y, s->y[i]))
                continue;
            lc_rbuf_printf(b, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>",
                           map(&f->sx, s->x[i]), map(&f->sy, s->y[i]));
            if (s->titles && s->titles[i]) {
                lc_rbuf_html(b, s->titles[i]);
            } else {
                lc_rbuf_html(b, s->name);
                lc_rbuf_printf(b, ": %s, %s", lc_svg_format(xs, sizeof(xs), c->x.fmt, s->x[i]),
                               lc_svg_format(ys, sizeof(ys), c->y.fmt, s->y[i]));
            }
            lc_rbuf_puts(b, "</title></circle>");
        }
        lc_rbuf_puts(b, "</g>\n");
        return;
    }
    size_t n = reduce(s, f, &c->x, &c->y, idx);
    if (s->style == LC_SVG_AREA) {
        /* The filled area, segment by segment, closed down to the x axis (or its bottom). */
        double base = c->y.log ? f->bot : map(&f->sy, fmax(f->sy.lo, 0));
        lc_rbuf_printf(b, "<path class=\"area\" fill=\"%s\" d=\"", s->color);
        bool in_seg = false;
        double seg_x0 = 0, last_x = 0;
        for (size_t k = 0; k <= n; k++) {
            bool ok = k < n && usable(&c->x, s->x[idx[k]]) && usable(&c->y, s->y[idx[k]]);
            if (ok) {
                double x = map(&f->sx, s->x[idx[k]]), y = map(&f->sy, s->y[idx[k]]);
                if (!in_seg) {
                    lc_rbuf_printf(b, "M%.1f %.1f", x, base);
                    seg_x0 = x;
                    in_seg = true;
                }
                lc_rbuf_printf(b, "L%.1f %.1f", x, y);
                last_x = x;
            } else if (in_seg) {
                lc_rbuf_printf(b, "L%.1f %.1fL%.1f %.1fZ", last_x, base, seg_x0, base);
                in_seg = false;
            }
        }
        lc_rbuf_puts(b, "\"/>\n");
    }
    lc_rbuf_printf(b, "<path class=\"line\" stroke=\"%s\"%s d=\"", s->color,
                   s->style == LC_SVG_DASHED ? " stroke-dasharray=\"6 4\"" : "");
    bool pen = false;
    double prev_y = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        if (!usable(&c->x, s->x[i]) || !usable(&c->y, s->y[i])) {
            pen = false;
            continue;
        }
        double x = map(&f->sx, s->x[i]), y = map(&f->sy, s->y[i]);
        if (s->style == LC_SVG_STEP && pen)
            path_pt(b, &pen, x, prev_y);
        path_pt(b, &pen, x, y);
        prev_y = y;
    }
    lc_rbuf_puts(b, "\"/>\n");
}

static void draw_bands(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct frame *f)
{
    for (size_t i = 0; i < c->n_bands; i++) {
        const struct lc_svg_band *bd = &c->bands[i];
        double x0 = fmax(bd->x0, f->sx.lo), x1 = fmin(bd->x1, f->sx.hi);
        if (!(x1 > x0) || !usable(&c->x, x0) || !usable(&c->x, x1))
            continue;
        double p0 = map(&f->sx, x0), p1 = map(&f->sx, x1);
        lc_rbuf_printf(
            b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">",
            bd->cls ? bd->cls : "band-muted", p0, f->top, fmax(p1 - p0, 1.5), f->bot - f->top);
        if (bd->title) {
            lc_rbuf_puts(b, "<title>");
            lc_rbuf_html(b, bd->title);
            lc_rbuf_puts(b, "</title>");
        }
        lc_rbuf_puts(b, "</rect>\n");
    }
}

/* Phase boundaries: a dashed line each (not at the left edge) and a label that does not overlap. */
static void draw_marks(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct frame *f)
{
    double end[3] = {-1e9, -1e9, -1e9}; /* right end of the last label on each of 3 lines */
    for (size_t i = 0; i < c->n_marks; i++) {
        const struct lc_svg_mark *m = &c->marks[i];
        if (!usable(&c->x, m->x) || m->x < f->sx.lo || m->x > f->sx.hi)
            continue;
        double x = map(&f->sx, m->x);
        if (x > f->left + 0.5)
            lc_rbuf_printf(b,
                           "<line class=\"mark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                           x, f->top, x, f->bot);
        if (!m->label || !*m->label)
            continue;
        double w = text_w(m->label) * 0.92;
        double lx = x + 4;
        if (lx + w > f->right)
            continue;
        for (int line = 0; line < 3; line++) {
            if (lx < end[line] + 6)
                continue;
            end[line] = lx + w;
            lc_rbuf_printf(b, "<text class=\"mlabel\" x=\"%.1f\" y=\"%.1f\">", lx,
                           f->top + 12 + 13 * line);
            lc_rbuf_html(b, m->label);
            lc_rbuf_puts(b, "</text>");
            break;
        }
    }
    lc_rbuf_puts(b, "\n");
}

/*
 * Value range of series s over x in [x0, x1) (x ascending; [x0, x1] when
 * last), starting the search at *pos and leaving it there for the next
 * column; false when no usable value lies in the range.
 */
static bool range_in(const struct lc_svg_series *s, const struct lc_svg_chart *c, size_t *pos,
                     double x0, double x1, bool last, double *lo, double *hi)
{
    bool any = false;
    while (*pos < s->n && !(s->x[*pos] >= x0))
        (*pos)++;
    for (size_t i = *pos; i < s->n && (s->x[i] < x1 || (last && s->x[i] <= x1)); i++) {
        if (!usable(&c->y, s->y[i]))
            continue;
        if (!any) {
            *lo = *hi = s->y[i];
            any = true;
        } else {
            *lo = fmin(*lo, s->y[i]);
            *hi = fmax(*hi, s->y[i]);
        }
    }
    return any;
}

/* Hover columns from the first series' x values: each lists every series' value(s) there. */
static void draw_hover(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct frame *f)
{
    if (c->n_series == 0)
        return;
    const struct lc_svg_series *s0 = &c->series[0];
    size_t n = s0->n;
    if (n == 0)
        return;
    size_t per = (n + HOVER_MAX - 1) / HOVER_MAX;
    size_t pos[64] = {0};
    char a[48], z[48];
    lc_rbuf_puts(b, "<g class=\"hover\">");
    for (size_t i = 0; i < n; i += per) {
        size_t j = i + per - 1 < n - 1 ? i + per - 1 : n - 1;
        double x0 = s0->x[i], x1 = s0->x[j];
        if (!usable(&c->x, x0) || !usable(&c->x, x1))
            continue;
        /*
         * The column spans half-way to the neighbours; the values it lists are
         * those of every series in that span (the first and last columns reach
         * out to catch series sampled before or after the first one).
         */
        bool first = i == 0 || !usable(&c->x, s0->x[i - 1]);
        bool last = j + 1 >= n || !usable(&c->x, s0->x[j + 1]);
        double vl = first ? -INFINITY : (s0->x[i - 1] + x0) / 2;
        double vr = last ? INFINITY : (x1 + s0->x[j + 1]) / 2;
        double left = fmax(first ? x0 : vl, f->sx.lo);
        double right = fmin(last ? x1 : vr, f->sx.hi);
        double p0 = map(&f->sx, left), p1 = map(&f->sx, right);
        if (p1 - p0 < 1) {
            p0 -= 0.5;
            p1 += 0.5;
        }
        lc_rbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", p0,
                       f->top, p1 - p0, f->bot - f->top);
        if (i == j)
            lc_rbuf_html(b, lc_svg_format(a, sizeof(a), c->x.fmt, x0));
        else {
            lc_rbuf_html(b, lc_svg_format(a, sizeof(a), c->x.fmt, x0));
            lc_rbuf_puts(b, " \xe2\x80\x93 ");
            lc_rbuf_html(b, lc_svg_format(z, sizeof(z), c->x.fmt, x1));
        }
        for (size_t k = 0; k < c->n_series && k < 64; k++) {
            const struct lc_svg_series *s = &c->series[k];
            double lo, hi;
            if (!range_in(s, c, &pos[k], vl, vr, last, &lo, &hi))
                continue;
            lc_rbuf_putc(b, '\n');
            lc_rbuf_html(b, s->name);
            lc_rbuf_puts(b, ": ");
            lc_rbuf_html(b, lc_svg_format(a, sizeof(a), c->y.fmt, lo));
            if (hi != lo) {
                lc_rbuf_puts(b, " \xe2\x80\x93 ");
                lc_rbuf_html(b, lc_svg_format(z, sizeof(z), c->y.fmt, hi));
            }
        }
        lc_rbuf_puts(b, "</title></rect>");
    }
    lc_rbuf_puts(b, "</g>\n");
}

int lc_svg_xy(struct lc_rbuf *b, const struct lc_svg_chart *c)
{
    struct frame f;
    double xlo, xhi, ylo, yhi;
    data_range(c, true, &xlo, &xhi);
    data_range(c, false, &ylo, &yhi);
    layout(c, &f, xlo, xhi, ylo, yhi);
    svg_open(b, c, f.w, f.h);
    draw_axes(b, c, &f, true);
    draw_bands(b, c, &f);
    size_t maxn = 0;
    for (size_t i = 0; i < c->n_series; i++)
        maxn = c->series[i].n > maxn ? c->series[i].n : maxn;
    size_t *idx = maxn ? malloc(maxn * sizeof(*idx)) : NULL;
    if (maxn && !idx) {
        b->error = b->error ? b->error : LC_ENOMEM;
        return b->error;
    }
    lc_rbuf_puts(b, "<g>");
    for (size_t i = 0; i < c->n_series; i++)
        draw_series(b, c, &f, &c->series[i], idx);
    lc_rbuf_puts(b, "</g>\n");
    free(idx);
    if (!isfinite(xlo) || !isfinite(ylo))
        no_data(b, &f);
    draw_marks(b, c, &f);
    draw_legend(b, c, &f);
    if (c->hover)
        draw_hover(b, c, &f);
    lc_rbuf_puts(b, "</svg>\n");
    return lc_rbuf_error(b);
}

/* ---- Bars -------------------------------------------------------------------------------------
 */

int lc_svg_bars(struct lc_rbuf *b, const struct lc_svg_chart *c, const double *x0, const double *x1,
                const double *y, size_t n, const char *color, const char *what, double total)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo = 0, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!usable(&c->x, x0[i]) || !usable(&c->x, x1[i]) || !isfinite(y[i]))
            continue;
        xlo = fmin(xlo, x0[i]);
        xhi = fmax(xhi, x1[i]);
        yhi = fmax(yhi, y[i]);
    }
    bool any = xlo < xhi;
    if (!any) {
        xlo = xhi = ylo = yhi = NAN;
    }
    struct lc_svg_chart cc = *c;
    cc.n_series = 0;
    cc.series = NULL;
    cc.no_legend = true;
    struct frame f;
    layout(&cc, &f, xlo, xhi, ylo, yhi);
    svg_open(b, &cc, f.w, f.h);
    draw_axes(b, &cc, &f, true);
    lc_rbuf_printf(b, "<g class=\"bars\" fill=\"%s\">", color);
    char a[48], z[48], cnt[48], sh[32];
    for (size_t i = 0; any && i < n; i++) {
        if (!usable(&c->x, x0[i]) || !usable(&c->x, x1[i]) || !(y[i] > 0))
            continue;
        double p0 = map(&f.sx, x0[i]), p1 = map(&f.sx, x1[i]);
        double top = map(&f.sy, y[i]), base = map(&f.sy, fmax(f.sy.lo, 0));
        double w = p1 - p0 - 1 > 1 ? p1 - p0 - 1 : fmax(p1 - p0, 0.8);
        lc_rbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", p0,
                       top, w, fmax(base - top, 0.5));
        lc_rbuf_html(b, lc_svg_format(a, sizeof(a), c->x.fmt, x0[i]));
        lc_rbuf_puts(b, " \xe2\x80\x93 ");
        lc_rbuf_html(b, lc_svg_format(z, sizeof(z), c->x.fmt, x1[i]));
        lc_rbuf_puts(b, ": ");
        lc_rbuf_html(b, lc_svg_format(cnt, sizeof(cnt), LC_SVG_FMT_NUM, y[i]));
        if (what) {
            lc_rbuf_putc(b, ' ');
            lc_rbuf_html(b, what);
        }
        if (total > 0)
            lc_rbuf_printf(b, " (%s)", lc_report_fmt_frac(sh, sizeof(sh), y[i] / total));
        lc_rbuf_puts(b, "</title></rect>");
    }
    lc_rbuf_puts(b, "</g>\n");
    if (!any)
        no_data(b, &f);
    lc_rbuf_puts(b, "</svg>\n");
    return lc_rbuf_error(b);
}

/* ---- Box plots ----------------------------------------------------------------------------------
 */

/* A label cut to at most max characters (UTF-8 aware), with an ellipsis when cut. */
static void cut_label(char *buf, size_t size, const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    while (s[i] && chars < max) {
        i++;
        while (s[i] && ((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
        chars++;
    }
    if (!s[i]) {
        snprintf(buf, size, "%s", s);
        return;
    }
    snprintf(buf, size, "%.*s\xe2\x80\xa6", (int)i, s);
}

int lc_svg_boxplot(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct lc_svg_box *boxes,
                   size_t n, const char *color)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < boxes[i].n; j++)
            if (usable(&c->x, boxes[i].values[j])) {
                lo = fmin(lo, boxes[i].values[j]);
                hi = fmax(hi, boxes[i].values[j]);
            }
    if (lo > hi)
        lo = hi = NAN;
    double label_w = 0;
    char lab[256];
    for (size_t i = 0; i < n; i++) {
        cut_label(lab, sizeof(lab), boxes[i].label ? boxes[i].label : "", 40);
        label_w = fmax(label_w, text_w(lab));
    }
    struct frame f;
    f.w = c->width > 0 ? c->width : 1100;
    f.top = 12;
    f.left = label_w + 20;
    f.right = f.w - 24;
    f.bot = f.top + (double)(n ? n : 1) * BOX_ROW_H + 8;
    f.h = f.bot + (c->x.label ? 46 : 28);
    int xtarget = (int)((f.right - f.left) / 90);
    if (xtarget < 2)
        xtarget = 2;
    double xl, xh;
    struct lc_svg_axis xa = c->x;
    xa.nice = true;
    axis_range(&xa, lo, hi, xtarget, &xl, &xh);
    f.sx = (struct scale){xl, xh, c->x.log, f.left, f.right};
    f.nxt = ticks_for(&c->x, xl, xh, xtarget, f.xt);
    f.sy = (struct scale){0, 1, false, f.bot, f.top};
    f.nyt = 0;
    struct lc_svg_chart cc = *c;
    cc.y.label = NULL;
    svg_open(b, c, f.w, f.h);
    draw_axes(b, &cc, &f, true);
    double *tmp = NULL;
    char s1[48], s2[48], s3[48], s4[48], s5[48];
    for (size_t i = 0; i < n; i++) {
        const struct lc_svg_box *bx = &boxes[i];
        double cy = f.top + 4 + ((double)i + 0.5) * BOX_ROW_H;
        cut_label(lab, sizeof(lab), bx->label ? bx->label : "", 40);
        lc_rbuf_printf(b, "<text class=\"blabel\" x=\"%.1f\" y=\"%.1f\">", f.left - 8, cy + 4);
        lc_rbuf_html(b, lab);
        if (strcmp(lab, bx->label ? bx->label : "") != 0) {
            lc_rbuf_puts(b, "<title>");
            lc_rbuf_html(b, bx->label);
            lc_rbuf_puts(b, "</title>");
        }
        lc_rbuf_puts(b, "</text>");
        free(tmp);
        tmp = bx->n ? malloc(bx->n * sizeof(*tmp)) : NULL;
        size_t m = 0;
        for (size_t j = 0; tmp && j < bx->n; j++)
            if (usable(&c->x, bx->values[j]))
                tmp[m++] = bx->values[j];
        struct lc_stats_summary sum;
        if (m == 0 || lc_stats_summarize(tmp, m, &sum) != 0)
            continue;
        double iqr = sum.p75 - sum.p25;
        double wlo = sum.max, whi = sum.min;
        for (size_t j = 0; j < m; j++) {
            if (tmp[j] >= sum.p25 - 1.5 * iqr)
                wlo = fmin(wlo, tmp[j]);
            if (tmp[j] <= sum.p75 + 1.5 * iqr)
                whi = fmax(whi, tmp[j]);
        }
        double q1 = map(&f.sx, sum.p25), q3 = map(&f.sx, sum.p75), md = map(&f.sx, sum.median);
        double w0 = map(&f.sx, wlo), w1 = map(&f.sx, whi);
        lc_rbuf_printf(b, "<g class=\"box\" stroke=\"%s\">", color);
        lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", w0, cy, q1,
                       cy);
        lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", q3, cy, w1,
                       cy);
        lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", w0, cy - 5, w0,
                       cy + 5);
        lc_rbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", w1, cy - 5, w1,
                       cy + 5);
        lc_rbuf_printf(b,
                       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                       "fill-opacity=\"0.15\"><title>",
                       q1, cy - 9, fmax(q3 - q1, 1), 18.0, color);
        lc_rbuf_html(b, bx->label);
        lc_rbuf_printf(
            b, "\n%zu runs\nmedian %s\nquartiles %s \xe2\x80\x93 %s\nrange %s \xe2\x80\x93 %s", m,
            lc_svg_format(s1, sizeof(s1), c->x.fmt, sum.median),
            lc_svg_format(s2, sizeof(s2), c->x.fmt, sum.p25),
            lc_svg_format(s3, sizeof(s3), c->x.fmt, sum.p75),
            lc_svg_format(s4, sizeof(s4), c->x.fmt, sum.min),
            lc_svg_format(s5, sizeof(s5), c->x.fmt, sum.max));
        lc_rbuf_puts(b, "</title></rect>");
        lc_rbuf_printf(b,
                       "<line class=\"median\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                       md, cy - 9, md, cy + 9);
        lc_rbuf_puts(b, "</g>");
        lc_rbuf_printf(b, "<g class=\"runs\" fill=\"%s\">", color);
        for (size_t j = 0; j < bx->n; j++) {
            double v = bx->values[j];
            if (!usable(&c->x, v))
                continue;
            uint32_t h = (uint32_t)(j + 1) * 2654435761u;
            double jit = ((double)((h >> 8) % 1000) / 999.0 - 0.5) * 12;
            lc_rbuf_printf(
                b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"><title>run %zu: %s</title></circle>",
                map(&f.sx, v), cy + jit, j + 1, lc_svg_format(s1, sizeof(s1), c->x.fmt, v));
        }
        lc_rbuf_puts(b, "</g>\n");
    }
    free(tmp);
    if (!isfinite(lo))
        no_data(b, &f);
    lc_rbuf_puts(b, "</svg>\n");
    return lc_rbuf_error(b);
}

/* ---- Stylesheet
 * ----------------------------------------------------------------------------------- */

const char *lc_svg_css(void)
{
    return "svg.chart{display:block;width:100%;height:auto;font-size:12px;"
           "font-family:inherit;overflow:visible}"
           "svg.chart text{fill:#495057}"
           "svg.chart .grid line{stroke:#e9ecef;stroke-width:1}"
           "svg.chart .axis line{stroke:#adb5bd;stroke-width:1}"
           "svg.chart .yt{text-anchor:end}"
           "svg.chart .xt{text-anchor:middle}"
           "svg.chart .xl{text-anchor:middle;fill:#343a40;font-weight:600}"
           "svg.chart .yl{text-anchor:middle;fill:#343a40;font-weight:600}"
           "svg.chart .legend text{fill:#343a40}"
           "svg.chart .note{text-anchor:end;fill:#868e96;font-style:italic}"
           "svg.chart .line{fill:none;stroke-width:1.8;stroke-linejoin:round;stroke-linecap:round}"
           "svg.chart .area{fill-opacity:.12;stroke:none}"
           "svg.chart .mark{stroke:#868e96;stroke-width:1;stroke-dasharray:4 3}"
           "svg.chart .mlabel{fill:#495057;font-size:11px}"
           "svg.chart .band-muted{fill:#f1f3f5}"
           "svg.chart .band-alert{fill:#ffe3e3}"
           "svg.chart .hover rect{fill:transparent}"
           "svg.chart .hover rect:hover{fill:rgba(73,80,87,.08)}"
           "svg.chart .pt{stroke:#fff;stroke-width:1}"
           "svg.chart .box line{stroke-width:1.5}"
           "svg.chart .box .median{stroke-width:3}"
           "svg.chart .runs circle{fill-opacity:.55}"
           "svg.chart .blabel{text-anchor:end;fill:#343a40}"
           "svg.chart .nodata{text-anchor:middle;fill:#adb5bd;font-size:14px}";
}
