/* SVG charts for reports: XY lines and dots (linear or log axes), bars and box plots, inline. */
#ifndef LC_RESULTS_SVG_H
#define LC_RESULTS_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "results/report_buf.h"

/*
 * Every chart is one <svg> element with a viewBox of width x height px,
 * meant to be inlined in an HTML page whose stylesheet defines the classes
 * used here (lc_svg_css gives a default). Colours of series are attributes;
 * everything else (fonts, grid, axes, bands) is styled by class, so a page
 * can restyle them and print them. Nothing needs JavaScript: hover text is
 * SVG <title> elements (on points, bars, boxes, and on hover columns of XY
 * charts that list every series' values).
 *
 * Input arrays are only read. NaN values are gaps (lines break there); on a
 * log axis values <= 0 are gaps too. A chart with no finite data draws its
 * frame and a "no data" note. Functions return 0, or the buffer's error.
 */

/* How values on an axis (and in hover text) are written. */
enum lc_svg_fmt {
    LC_SVG_FMT_NUM,   /* plain number, SI suffix above 10^4: "950", "12k" */
    LC_SVG_FMT_NS,    /* durations in ns: "20 ms" */
    LC_SVG_FMT_SECS,  /* time since start in s: "30s", "1m 30s", "1h"; ticks on 1-2-5-15-30-60 */
    LC_SVG_FMT_BYTES, /* sizes: "200 MB" */
    LC_SVG_FMT_RATE,  /* per second: "300/s" */
    LC_SVG_FMT_PCT,   /* a value already in percent: "45%" */
    LC_SVG_FMT_PERCENTILE, /* x = 1 / (1 - p): 10 is "90%", 1000 "99.9%" (use a log axis) */
};

/* One axis. */
struct lc_svg_axis {
    const char *label;   /* axis title, e.g. "latency", or NULL */
    enum lc_svg_fmt fmt; /* tick and hover format */
    bool log;            /* log10 scale */
    double min, max;     /* bounds; NaN: from the data */
    bool zero;           /* linear: the range includes 0 */
    bool nice;           /* extend the data range to the nearest ticks (y axes) */
};

/* How a series is drawn. */
enum lc_svg_style {
    LC_SVG_LINE,   /* solid polyline */
    LC_SVG_DASHED, /* dashed polyline */
    LC_SVG_STEP,   /* steps: the value holds until the next x */
    LC_SVG_DOTS,   /* a circle per point, each with a <title> */
    LC_SVG_AREA,   /* a line with the area down to the axis filled lightly */
};

/* One series of an XY chart. x and y have n entries. */
struct lc_svg_series {
    const char *name;  /* legend and hover text */
    const char *color; /* CSS colour, e.g. "#1c7ed6" */
    enum lc_svg_style style;
    const double *x;
    const double *y;
    size_t n;
    const char *const *titles; /* DOTS: hover text per point (NULL: "name: x, y") */
};

/* A vertical marker line with a label (a phase boundary). */
struct lc_svg_mark {
    double x;
    const char *label; /* may be NULL */
};

/* A shaded range of x (a warm-up phase, an error burst). */
struct lc_svg_band {
    double x0, x1;
    const char *cls;   /* CSS class: "band-muted" (grey) or "band-alert" (red) */
    const char *title; /* hover text, or NULL */
};

/* An XY chart. */
struct lc_svg_chart {
    int width, height; /* viewBox in px */
    const char *title; /* accessible name (aria-label) and the <svg>'s own <title> */
    struct lc_svg_axis x, y;
    const struct lc_svg_series *series;
    size_t n_series;
    const struct lc_svg_mark *marks;
    size_t n_marks;
    const struct lc_svg_band *bands;
    size_t n_bands;
    bool hover;       /* hover columns listing every series' value at that x */
    bool no_legend;   /* hide the legend (one self-explaining series) */
    const char *note; /* a small note under the legend, right-aligned (e.g. "log scale"), or NULL */
};

/*
 * Draw an XY chart: axes with ticks and unit labels, grid, legend, bands,
 * marks, series, hover. Lines with more points than 4 per pixel are reduced
 * per pixel column to first, min, max and last (so spikes stay visible).
 */
int lc_svg_xy(struct lc_rbuf *b, const struct lc_svg_chart *c) LC_WARN_UNUSED;

/*
 * A bar chart over x ranges (a histogram): bar i spans [x0[i], x1[i]) with
 * height y[i]. c->series and marks are ignored; `what` names the counted
 * things in hover text ("requests"), `total` (> 0) adds a share to it.
 */
int lc_svg_bars(struct lc_rbuf *b, const struct lc_svg_chart *c, const double *x0, const double *x1,
                const double *y, size_t n, const char *color, const char *what,
                double total) LC_WARN_UNUSED;

/* One row of a box plot. */
struct lc_svg_box {
    const char *label;
    const double *values;
    size_t n;
};

/*
 * Horizontal box plots, one row per box, on the value axis c->x: the box
 * spans the quartiles, the line inside is the median, whiskers reach the
 * most extreme values within 1.5 IQR, and every value is also a dot
 * (jittered deterministically within the row). The chart's height follows
 * the rows (28 px each); c->height, c->y and c->series are ignored.
 */
int lc_svg_boxplot(struct lc_rbuf *b, const struct lc_svg_chart *c, const struct lc_svg_box *boxes,
                   size_t n, const char *color) LC_WARN_UNUSED;

/*
 * Format v as the axis format does (for hover text, tables): 3 significant
 * digits and the unit. Returns buf.
 */
char *lc_svg_format(char *buf, size_t size, enum lc_svg_fmt fmt, double v);

/* The default stylesheet for the classes the charts use (one string, no newline at the end). */
const char *lc_svg_css(void);

#endif
