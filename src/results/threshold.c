/* Threshold expressions: the parser, evaluation against a Result, verdicts, terminal lines. */
#include "results/threshold.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/stats.h"

/* ---- Metrics and units ------------------------------------------------------------- */

enum metric {
    M_P,
    M_TTFB_P,
    M_AVG,
    M_MED,
    M_MIN,
    M_MAX,
    M_STDEV,
    M_RPS,
    M_REQUESTS,
    M_ERRORS,
    M_ERROR_RATE,
    M_CPU,
    M_MEM,
    M_MEM_PEAK,
    M_MEM_GROWTH,
    M_GEN_CPU,
    M_GPU_UTIL,
    M_GPU_MEM,
    M_USER,
    M_SYS,
    M_CUSTOM, /* a bench run's own metric, by name */
};

/* What a metric measures, and what a written unit means. */
enum dim {
    D_NONE,     /* a plain number (units only) */
    D_DURATION, /* base: ns */
    D_PERCENT,  /* base: percent */
    D_RATE,     /* base: per second */
    D_SIZE,     /* base: bytes */
    D_GROWTH,   /* base: bytes per hour */
    D_COUNT,    /* metrics only: a plain number */
    D_OTHER,    /* a custom metric (any unit), or a unit loadcell does not know */
};

#define W_LOAD    1u
#define W_BENCH   2u
#define W_MONITOR 4u /* measurable by a watch without load (loadcell monitor) */

struct metric_info {
    const char *name;
    enum metric m;
    enum dim dim;
    unsigned where; /* W_LOAD | W_BENCH | W_MONITOR */
    bool pct;       /* takes a percentile argument: p(N) */
};

static const struct metric_info metric_table[] = {
    {"p", M_P, D_DURATION, W_LOAD | W_BENCH, true},
    {"ttfb_p", M_TTFB_P, D_DURATION, W_LOAD, true},
    {"avg", M_AVG, D_DURATION, W_LOAD | W_BENCH, false},
    {"mean", M_AVG, D_DURATION, W_LOAD | W_BENCH, false},
    {"med", M_MED, D_DURATION, W_LOAD | W_BENCH, false},
    {"median", M_MED, D_DURATION, W_LOAD | W_BENCH, false},
    {"min", M_MIN, D_DURATION, W_LOAD | W_BENCH, false},
    {"max", M_MAX, D_DURATION, W_LOAD | W_BENCH, false},
    {"stdev", M_STDEV, D_DURATION, W_LOAD | W_BENCH, false},
    {"rps", M_RPS, D_RATE, W_LOAD, false},
    {"requests", M_REQUESTS, D_COUNT, W_LOAD, false},
    {"errors", M_ERRORS, D_COUNT, W_LOAD, false},
    {"error_rate", M_ERROR_RATE, D_PERCENT, W_LOAD, false},
    {"cpu", M_CPU, D_PERCENT, W_LOAD | W_MONITOR, false},
    {"mem", M_MEM, D_SIZE, W_LOAD | W_MONITOR, false},
    {"mem_peak", M_MEM_PEAK, D_SIZE, W_LOAD | W_BENCH | W_MONITOR, false},
    {"mem_growth", M_MEM_GROWTH, D_GROWTH, W_LOAD | W_MONITOR, false},
    {"gen_cpu", M_GEN_CPU, D_PERCENT, W_LOAD, false},
    {"gpu_util", M_GPU_UTIL, D_PERCENT, W_LOAD | W_MONITOR, false},
    {"gpu_mem", M_GPU_MEM, D_SIZE, W_LOAD | W_MONITOR, false},
    {"user", M_USER, D_DURATION, W_BENCH, false},
    {"sys", M_SYS, D_DURATION, W_BENCH, false},
};
#define N_METRICS (sizeof(metric_table) / sizeof(metric_table[0]))

static const char load_metric_list[] =
    "p(N), avg, med, min, max, stdev, rps, requests, errors, error_rate, ttfb_p(N), cpu, mem, "
    "mem_peak, mem_growth, gen_cpu, gpu_util or gpu_mem";
static const char monitor_metric_list[] = "cpu, mem, mem_peak, mem_growth, gpu_util or gpu_mem";
static const char bench_metric_list[] =
    "mean, median, min, max, stdev, p(N), mem_peak, user, sys or a custom metric of the runs";

struct unit_info {
    const char *name;
    enum dim dim;
    double scale; /* base units per one of this unit */
};

static const struct unit_info unit_table[] = {
    {"ns", D_DURATION, 1.0},
    {"us", D_DURATION, 1e3},
    {"ms", D_DURATION, 1e6},
    {"s", D_DURATION, 1e9},
    {"m", D_DURATION, 60e9},
    {"h", D_DURATION, 3600e9},
    {"%", D_PERCENT, 1.0},
    {"/s", D_RATE, 1.0},
    {"/m", D_RATE, 1.0 / 60},
    {"/h", D_RATE, 1.0 / 3600},
    {"B", D_SIZE, 1.0},
    {"bytes", D_SIZE, 1.0},
    {"KB", D_SIZE, 1024.0},
    {"KiB", D_SIZE, 1024.0},
    {"MB", D_SIZE, 1048576.0},
    {"MiB", D_SIZE, 1048576.0},
    {"GB", D_SIZE, 1073741824.0},
    {"GiB", D_SIZE, 1073741824.0},
    {"TB", D_SIZE, 1099511627776.0},
    {"TiB", D_SIZE, 1099511627776.0},
};
#define N_UNITS (sizeof(unit_table) / sizeof(unit_table[0]))

/* Look up a unit by exact name; a size per s/m/h is a growth. Returns 0 or -1. */
static int lookup_unit(const char *u, size_t len, enum dim *dim, double *scale)
{
    for (size_t i = 0; i < N_UNITS; i++) {
        if (strlen(unit_table[i].name) == len && memcmp(unit_table[i].name, u, len) == 0) {
            *dim = unit_table[i].dim;
            *scale = unit_table[i].scale;
            return 0;
        }
    }
    const char *slash = memchr(u, '/', len);
    if (!slash || slash == u || (size_t)(slash - u) + 2 != len)
        return -1;
    enum dim sd;
    double ss;
    if (lookup_unit(u, (size_t)(slash - u), &sd, &ss) != 0 || sd != D_SIZE)
        return -1;
    double per_s = slash[1] == 's' ? 1.0 : slash[1] == 'm' ? 60.0 : slash[1] == 'h' ? 3600.0 : 0;
    if (per_s == 0)
        return -1;
    *dim = D_GROWTH;
    *scale = ss * 3600.0 / per_s;
    return 0;
}

/* The units a dimension accepts, for messages. */
static const char *dim_units(enum dim d)
{
    switch (d) {
    case D_DURATION:
        return "us, ms, s, m or h";
    case D_PERCENT:
        return "%";
    case D_RATE:
        return "/s, /m or /h (or a plain number per second)";
    case D_SIZE:
        return "B, KB, MB or GB";
    case D_GROWTH:
        return "B/h, KB/h, MB/h or GB/h (or per s, per m)";
    default:
        return "no unit";
    }
}

/* ---- The compiled form -------------------------------------------------------------- */

enum op { OP_LT, OP_LE, OP_GT, OP_GE };

static const char *const op_names[] = {"<", "<=", ">", ">="};

struct term {
    char *scope;      /* NULL when none */
    char *metric;     /* normalised name, "p(99.9)" */
    char *limit_text; /* as written, "300ms" */
    enum metric m;
    enum dim mdim; /* the metric's dimension */
    double pct;    /* percentile for p(N), ttfb_p(N) */
    enum op op;
    double limit;   /* in the written unit */
    double scale;   /* base units per written unit (1 when plain) */
    enum dim udim;  /* the written unit's dimension (D_NONE: plain) */
    char unit[24];  /* the written unit, "" when plain */
    char shown[24]; /* the unit shown with values ("/s" for a plain rps) */
};

enum node_kind { N_TERM, N_AND, N_OR };

struct node {
    enum node_kind kind;
    int a; /* N_TERM: term index; else left node */
    int b; /* right node */
};

struct lc_threshold {
    char *text;
    bool abort;
    enum lc_threshold_mode mode;
    size_t n_terms;
    struct term terms[LC_THRESHOLD_MAX_TERMS];
    size_t n_nodes;
    struct node nodes[2 * LC_THRESHOLD_MAX_TERMS];
    int root;
};

/* ---- Small helpers ------------------------------------------------------------------ */

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int lower(char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/*
 * Edit distance with adjacent transpositions (optimal string alignment),
 * case-insensitive: "mian" is 1 from "main". A large number for long inputs.
 */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    enum { MAXL = 64 };
    if (la > MAXL || lb > MAXL)
        return (size_t)-1 / 2;
    size_t rows[3][MAXL + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

/* Whether `cand` is a plausible typo target for word (distance small for its length). */
static bool close_enough(const char *word, size_t len, const char *cand, size_t *best)
{
    size_t lc = strlen(cand);
    size_t d = edit_distance(word, len, cand, lc);
    size_t allowed = lc <= 2 ? 0 : lc <= 4 ? 1 : 2;
    if (d > allowed || d >= *best)
        return false;
    *best = d;
    return true;
}

/* Numbers for people: 3 significant figures, no exponent above 1000. */
static void fmt_num(char *buf, size_t size, double v)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, size, "n/a");
    else if (a >= 1000 || (a == floor(a) && a < 1e15))
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.3g", v);
}

/* ---- The parser ------------------------------------------------------------------------ */

struct parser {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
    struct lc_threshold *t;
    struct lc_error *err;
};

/* Fail at 1-based column col with a message that quotes the expression. Returns LC_EINVAL. */
static int perr(struct parser *p, size_t col, const char *fmt, ...) LC_PRINTF(3, 4);
static int perr(struct parser *p, size_t col, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    int shown = p->len > 80 ? 77 : (int)p->len;
    lc_error_set(p->err, LC_EINVAL, "'%.*s%s': col %zu: %s", shown, p->s, p->len > 80 ? "..." : "",
                 col, what);
    if (p->err)
        p->err->col = (unsigned)col;
    return LC_EINVAL;
}

static int oom(struct parser *p)
{
    return lc_error_set(p->err, LC_ENOMEM, "out of memory compiling a threshold");
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Characters of a scope name: anything but blanks and the expression's punctuation. */
static bool is_scope_char(char c)
{
    return c > ' ' && c != 0x7f && !strchr(":()<>=&|!\"'", c);
}

static bool is_name_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

static bool is_unit_char(char c)
{
    return is_alpha(c) || c == '%' || c == '/';
}

/* A metric by exact name; NULL when unknown. */
static const struct metric_info *find_metric(const char *name, size_t len)
{
    for (size_t i = 0; i < N_METRICS; i++)
        if (strlen(metric_table[i].name) == len && memcmp(metric_table[i].name, name, len) == 0)
            return &metric_table[i];
    return NULL;
}

/*
 * A suggestion for an unknown metric name into buf: "p(99)" for "p99",
 * "ttfb_p(95)" for "ttfb_p95", else the nearest known name allowed by
 * `where`. Returns false when nothing is close.
 */
static bool suggest_metric(const char *name, size_t len, unsigned where, char *buf, size_t size)
{
    size_t plen = 0;
    if (len >= 2 && (name[0] == 'p' || name[0] == 'P'))
        plen = 1;
    else if (len > 6 && strncasecmp(name, "ttfb_p", 6) == 0)
        plen = 6;
    if (plen && is_digit(name[plen])) {
        size_t i = plen, dots = 0;
        while (i < len && (is_digit(name[i]) || (name[i] == '.' && dots++ == 0)))
            i++;
        if (i == len) {
            snprintf(buf, size, "%s(%.*s)", plen == 1 ? "p" : "ttfb_p", (int)(len - plen),
                     name + plen);
            return true;
        }
    }
    size_t best = (size_t)-1;
    const char *hit = NULL;
    for (size_t i = 0; i < N_METRICS; i++) {
        if (!(metric_table[i].where & where))
            continue;
        if (strlen(metric_table[i].name) == len &&
            strncasecmp(metric_table[i].name, name, len) == 0) {
            hit = metric_table[i].name;
            best = 0;
            break;
        }
        if (close_enough(name, len, metric_table[i].name, &best))
            hit = metric_table[i].name;
    }
    if (!hit)
        return false;
    const struct metric_info *mi = find_metric(hit, strlen(hit));
    snprintf(buf, size, "%s%s", hit, mi && mi->pct ? "(99)" : "");
    return true;
}

/* A non-negative decimal at p->pos ("12", "0.5", ".5"); returns its length, 0 when none. */
static size_t scan_number(struct parser *p, double *out)
{
    size_t i = p->pos, digits = 0, dots = 0;
    while (i < p->len && (is_digit(p->s[i]) || p->s[i] == '.')) {
        if (p->s[i] == '.')
            dots++;
        else
            digits++;
        i++;
    }
    size_t n = i - p->pos;
    if (digits == 0 || dots > 1 || n > 40)
        return 0;
    char tmp[48];
    memcpy(tmp, p->s + p->pos, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return isfinite(*out) ? n : 0;
}

/* The metric of a term at p->pos: fills m, mdim, pct and metric (malloc'd). */
static int parse_metric(struct parser *p, struct term *tm)
{
    size_t start = p->pos;
    if (p->pos >= p->len || !(is_alpha(p->s[p->pos]) || p->s[p->pos] == '_'))
        return perr(p, start + 1, "expected a metric such as p(99), error_rate or rps");
    while (p->pos < p->len && is_name_char(p->s[p->pos]))
        p->pos++;
    const char *name = p->s + start;
    size_t len = p->pos - start;
    const struct metric_info *mi = find_metric(name, len);
    enum lc_threshold_mode mode = p->t->mode;
    unsigned where = mode == LC_THRESHOLD_LOAD      ? W_LOAD
                     : mode == LC_THRESHOLD_BENCH   ? W_BENCH
                     : mode == LC_THRESHOLD_MONITOR ? W_MONITOR
                                                    : W_LOAD | W_BENCH;
    char sug[64];
    if (mi && !(mi->where & where) && mode == LC_THRESHOLD_MONITOR)
        return perr(p, start + 1,
                    "'%.*s%s' needs a load run (loadcell http or run); a watch without load "
                    "judges %s",
                    (int)len, name, mi->pct ? "(N)" : "", monitor_metric_list);
    if (mi && !(mi->where & where)) {
        if (mi->where == W_BENCH)
            return perr(p, start + 1, "'%.*s' is a bench metric; load thresholds use %s", (int)len,
                        name, load_metric_list);
        return perr(p, start + 1, "'%.*s' is a load metric; bench thresholds use %s", (int)len,
                    name, bench_metric_list);
    }
    if (!mi) {
        bool has_sug = suggest_metric(name, len, where, sug, sizeof(sug));
        if (mode == LC_THRESHOLD_LOAD || mode == LC_THRESHOLD_MONITOR ||
            (mode == LC_THRESHOLD_ANY && has_sug)) {
            if (has_sug)
                return perr(p, start + 1, "unknown metric '%.*s' (did you mean '%s'?)", (int)len,
                            name, sug);
            return perr(p, start + 1, "unknown metric '%.*s': expected %s", (int)len, name,
                        mode == LC_THRESHOLD_MONITOR ? monitor_metric_list : load_metric_list);
        }
        tm->m = M_CUSTOM;
        tm->mdim = D_OTHER;
        tm->metric = dup_n(name, len);
        return tm->metric ? 0 : oom(p);
    }
    tm->m = mi->m;
    tm->mdim = mi->dim;
    if (!mi->pct) {
        tm->metric = dup_n(name, len);
        return tm->metric ? 0 : oom(p);
    }
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != '(')
        return perr(p, p->pos + 1, "expected '(' and a percentile after '%.*s', e.g. %.*s(99)",
                    (int)len, name, (int)len, name);
    p->pos++;
    skip_ws(p);
    size_t nstart = p->pos;
    size_t n = scan_number(p, &tm->pct);
    if (n == 0)
        return perr(p, nstart + 1, "expected a percentile from 0 to 100, e.g. %.*s(99.9)", (int)len,
                    name);
    if (tm->pct > 100.0)
        return perr(p, nstart + 1, "percentile %.*s is above 100", (int)n, p->s + nstart);
    p->pos += n;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ')')
        return perr(p, p->pos + 1, "expected ')' after the percentile");
    p->pos++;
    char canon[128];
    snprintf(canon, sizeof(canon), "%.*s(%.*s)", (int)len, name, (int)n, p->s + nstart);
    tm->metric = dup_n(canon, strlen(canon));
    return tm->metric ? 0 : oom(p);
}

/* An example limit for a metric's dimension, for messages ("5s", "1%"). */
static void example_for(enum dim d, double v, char *buf, size_t size)
{
    char num[32];
    fmt_num(num, sizeof(num), v);
    switch (d) {
    case D_DURATION:
        snprintf(buf, size, "%sms or %ss", num, num);
        break;
    case D_PERCENT:
        snprintf(buf, size, "%s%%", num);
        break;
    case D_RATE:
        snprintf(buf, size, "%s/s", num);
        break;
    case D_SIZE:
        snprintf(buf, size, "%sMB", num);
        break;
    case D_GROWTH:
        snprintf(buf, size, "%sMB/h", num);
        break;
    default:
        snprintf(buf, size, "%s", num);
        break;
    }
}

static const char *dim_noun(enum dim d)
{
    switch (d) {
    case D_DURATION:
        return "a duration";
    case D_PERCENT:
        return "a percentage";
    case D_RATE:
        return "a rate";
    case D_SIZE:
        return "a size";
    case D_GROWTH:
        return "a growth rate";
    default:
        return "a count";
    }
}

/* The operator and value of a term, and the unit check. */
static int parse_limit(struct parser *p, struct term *tm)
{
    skip_ws(p);
    size_t opcol = p->pos + 1;
    const char *s = p->s + p->pos;
    size_t left = p->len - p->pos;
    if (left >= 2 && s[0] == '<' && s[1] == '=')
        tm->op = OP_LE;
    else if (left >= 2 && s[0] == '>' && s[1] == '=')
        tm->op = OP_GE;
    else if (left >= 1 && s[0] == '<')
        tm->op = OP_LT;
    else if (left >= 1 && s[0] == '>')
        tm->op = OP_GT;
    else if (left >= 1 && (s[0] == '=' || s[0] == '!'))
        return perr(p, opcol,
                    "expected an operator < <= > >= (a threshold is a bound, not an "
                    "equality)");
    else
        return perr(p, opcol, "expected an operator < <= > >=");
    p->pos += strlen(op_names[tm->op]);
    skip_ws(p);
    size_t vstart = p->pos;
    bool neg = false;
    if (p->pos < p->len && p->s[p->pos] == '-') {
        neg = true;
        p->pos++;
    }
    double v;
    size_t n = scan_number(p, &v);
    if (n == 0)
        return perr(p, p->pos + 1, "expected a number after '%s'", op_names[tm->op]);
    p->pos += n;
    size_t vend = p->pos;
    /* The unit may follow after blanks ("5 ms"). */
    size_t save = p->pos;
    skip_ws(p);
    size_t ustart = p->pos;
    while (p->pos < p->len && is_unit_char(p->s[p->pos]))
        p->pos++;
    size_t ulen = p->pos - ustart;
    if (ulen == 0)
        p->pos = save;
    else
        vend = p->pos;
    const char *u = p->s + ustart;
    size_t ucol = ulen ? ustart + 1 : vstart + 1;
    tm->limit = neg ? -v : v;
    tm->limit_text = dup_n(p->s + vstart, vend - vstart);
    if (!tm->limit_text)
        return oom(p);
    if (ulen >= sizeof(tm->unit))
        return perr(p, ucol, "unknown unit '%.*s'", (int)ulen, u);
    tm->scale = 1.0;
    tm->udim = D_NONE;
    memcpy(tm->unit, u, ulen);
    tm->unit[ulen] = '\0';
    if (ulen && lookup_unit(u, ulen, &tm->udim, &tm->scale) != 0) {
        if (tm->m == M_CUSTOM) {
            tm->udim = D_OTHER;
        } else {
            for (size_t i = 0; i < N_UNITS; i++)
                if (strlen(unit_table[i].name) == ulen &&
                    strncasecmp(unit_table[i].name, u, ulen) == 0)
                    return perr(p, ucol, "unknown unit '%.*s' (did you mean '%s'?)", (int)ulen, u,
                                unit_table[i].name);
            return perr(p, ucol, "unknown unit '%.*s': %s takes %s", (int)ulen, u, tm->metric,
                        dim_units(tm->mdim));
        }
    }
    /* Does the unit fit the metric? */
    bool fits;
    switch (tm->mdim) {
    case D_RATE:
        fits = tm->udim == D_RATE || tm->udim == D_NONE;
        break;
    case D_COUNT:
        fits = tm->udim == D_NONE;
        break;
    case D_OTHER:
        fits = true;
        break;
    default:
        fits = tm->udim == tm->mdim;
        break;
    }
    if (!fits) {
        char ex[96];
        example_for(tm->mdim, v, ex, sizeof(ex));
        return perr(p, ucol, "%s is %s; write e.g. %s", tm->metric, dim_noun(tm->mdim), ex);
    }
    if (neg && tm->mdim != D_GROWTH && tm->mdim != D_OTHER)
        return perr(p, vstart + 1, "a limit for %s cannot be negative", tm->metric);
    snprintf(tm->shown, sizeof(tm->shown), "%s",
             tm->mdim == D_RATE && tm->udim == D_NONE ? "/s" : tm->unit);
    return 0;
}

static int add_node(struct parser *p, enum node_kind kind, int a, int b, int *out)
{
    /* n_terms <= MAX bounds the nodes to 2 * MAX - 1; this check is belt and braces. */
    if (p->t->n_nodes >= sizeof(p->t->nodes) / sizeof(p->t->nodes[0]))
        return perr(p, p->pos + 1, "expression too complex");
    struct node *nd = &p->t->nodes[p->t->n_nodes];
    nd->kind = kind;
    nd->a = a;
    nd->b = b;
    *out = (int)p->t->n_nodes++;
    return 0;
}

/* term := [scope ':'] metric op number[unit] */
static int parse_term(struct parser *p, int *node)
{
    skip_ws(p);
    if (p->t->n_terms >= LC_THRESHOLD_MAX_TERMS)
        return perr(p, p->pos + 1, "too many comparisons (at most %d in one expression)",
                    LC_THRESHOLD_MAX_TERMS);
    struct term *tm = &p->t->terms[p->t->n_terms++];
    if (p->pos >= p->len)
        return perr(p, p->pos + 1, "expected a metric such as p(99), error_rate or rps");
    size_t w = p->pos;
    while (w < p->len && is_scope_char(p->s[w]))
        w++;
    size_t after = w;
    while (after < p->len && (p->s[after] == ' ' || p->s[after] == '\t'))
        after++;
    if (after < p->len && p->s[after] == ':') {
        if (w == p->pos)
            return perr(p, p->pos + 1, "expected a scope name before ':'");
        if (p->t->mode == LC_THRESHOLD_MONITOR)
            return perr(p, p->pos + 1,
                        "a watch without load takes no scope ('%.*s:'): it is judged over every "
                        "sample; drop the scope",
                        (int)(w - p->pos), p->s + p->pos);
        tm->scope = dup_n(p->s + p->pos, w - p->pos);
        if (!tm->scope)
            return oom(p);
        p->pos = after + 1;
        skip_ws(p);
    }
    int rc = parse_metric(p, tm);
    if (rc == 0)
        rc = parse_limit(p, tm);
    if (rc == 0)
        rc = add_node(p, N_TERM, (int)(p->t->n_terms - 1), -1, node);
    return rc;
}

static int parse_or(struct parser *p, int *node);

/* unary := '(' expr ')' | term */
static int parse_unary(struct parser *p, int *node)
{
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '(') {
        size_t open = p->pos + 1;
        if (p->depth >= LC_THRESHOLD_MAX_DEPTH)
            return perr(p, open, "parentheses nested too deep (at most %d)",
                        LC_THRESHOLD_MAX_DEPTH);
        p->depth++;
        p->pos++;
        int rc = parse_or(p, node);
        if (rc)
            return rc;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ')')
            return perr(p, p->pos + 1, "expected ')' to close the '(' at col %zu", open);
        p->pos++;
        p->depth--;
        return 0;
    }
    return parse_term(p, node);
}

static bool at(struct parser *p, const char *tok)
{
    size_t n = strlen(tok);
    return p->len - p->pos >= n && memcmp(p->s + p->pos, tok, n) == 0;
}

/* and := unary ('&&' unary)* */
static int parse_and(struct parser *p, int *node)
{
    int rc = parse_unary(p, node);
    for (;;) {
        if (rc)
            return rc;
        skip_ws(p);
        if (!at(p, "&&"))
            return 0;
        p->pos += 2;
        int right;
        rc = parse_unary(p, &right);
        if (rc == 0)
            rc = add_node(p, N_AND, *node, right, node);
    }
}

/* expr := and ('||' and)* */
static int parse_or(struct parser *p, int *node)
{
    int rc = parse_and(p, node);
    for (;;) {
        if (rc)
            return rc;
        skip_ws(p);
        if (!at(p, "||"))
            return 0;
        p->pos += 2;
        int right;
        rc = parse_and(p, &right);
        if (rc == 0)
            rc = add_node(p, N_OR, *node, right, node);
    }
}

/* What follows a complete expression that should not. */
static int trailing(struct parser *p)
{
    size_t col = p->pos + 1;
    char c = p->s[p->pos];
    if (c == '&')
        return perr(p, col, "expected '&&'");
    if (c == '|')
        return perr(p, col, "expected '||'");
    if (c == ')')
        return perr(p, col, "unmatched ')'");
    size_t n = 0;
    while (p->pos + n < p->len && is_scope_char(p->s[p->pos + n]) && n < 40)
        n++;
    if (n == 3 && strncasecmp(p->s + p->pos, "and", 3) == 0)
        return perr(p, col, "write '&&' instead of 'and'");
    if (n == 2 && strncasecmp(p->s + p->pos, "or", 2) == 0)
        return perr(p, col, "write '||' instead of 'or'");
    if (n == 0)
        n = 1;
    return perr(p, col, "unexpected '%.*s': expected &&, || or the end of the expression", (int)n,
                p->s + p->pos);
}

int lc_threshold_parse(const char *text, enum lc_threshold_mode mode, struct lc_threshold **out,
                       struct lc_error *err)
{
    *out = NULL;
    if (!text)
        return lc_error_set(err, LC_EINVAL, "empty threshold: write e.g. 'p(99) < 300ms'");
    size_t len = strlen(text);
    if (len > LC_THRESHOLD_MAX_LEN)
        return lc_error_set(err, LC_EINVAL, "threshold too long (%zu characters; at most %d)", len,
                            LC_THRESHOLD_MAX_LEN);
    struct lc_threshold *t = calloc(1, sizeof(*t));
    if (!t)
        return lc_error_set(err, LC_ENOMEM, "out of memory compiling a threshold");
    t->mode = mode;
    t->text = dup_n(text, len);
    struct parser p = {.s = text, .len = len, .t = t, .err = err};
    int rc;
    if (!t->text) {
        rc = oom(&p);
        goto fail;
    }
    skip_ws(&p);
    if (p.pos == len) {
        rc = lc_error_set(err, LC_EINVAL, "empty threshold: write e.g. 'p(99) < 300ms'");
        goto fail;
    }
    rc = parse_or(&p, &t->root);
    if (rc)
        goto fail;
    skip_ws(&p);
    if (p.pos < len) {
        rc = trailing(&p);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    lc_threshold_free(t);
    return rc;
}

void lc_threshold_free(struct lc_threshold *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_terms; i++) {
        free(t->terms[i].scope);
        free(t->terms[i].metric);
        free(t->terms[i].limit_text);
    }
    free(t->text);
    free(t);
}

const char *lc_threshold_text(const struct lc_threshold *t)
{
    return t->text;
}

size_t lc_threshold_n_terms(const struct lc_threshold *t)
{
    return t->n_terms;
}

bool lc_threshold_abort(const struct lc_threshold *t)
{
    return t->abort;
}

void lc_threshold_set_abort(struct lc_threshold *t, bool abort)
{
    t->abort = abort;
}

/* ---- Evaluation: what a scope names ------------------------------------------------------ */

/* Results of one term's evaluation besides LC_ENOMEM. */
enum { T_OK = 0, T_NODATA = 1, T_BAD = 2 };

struct target {
    bool bench;                          /* bench commands, else load stats */
    const struct lc_result_stats *stats; /* load */
    const struct lc_result_phase *phase; /* load: the time window; NULL = the run totals */
    bool request;                        /* load: one request name's stats */
    const char *command;                 /* bench: the command name; NULL = every command */
};

struct evalctx {
    const struct lc_result *r;
    const struct lc_result_phase *fph; /* phase filter, or NULL */
    char *msg;                         /* the term's error message */
    size_t msg_size;
    char *subject; /* load terms: what decided the value ("gpu1"), the term's subject */
    size_t subject_size;
};

static int emsg(struct evalctx *c, int code, const char *fmt, ...) LC_PRINTF(3, 4);
static int emsg(struct evalctx *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, c->msg_size, fmt, ap);
    va_end(ap);
    return code;
}

static bool has_command(const struct lc_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_commands; i++)
        if (r->commands[i]->name && strcmp(r->commands[i]->name, name) == 0)
            return true;
    return false;
}

/* Nearest known scope (phase, request, command) to `s` into buf; false when none is close. */
static bool suggest_scope(const struct lc_result *r, const char *s, char *buf, size_t size)
{
    size_t best = (size_t)-1, len = strlen(s);
    const char *hit = NULL;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        if (ph->name && close_enough(s, len, ph->name, &best))
            hit = ph->name;
        for (size_t j = 0; j < ph->n_requests; j++)
            if (ph->requests[j]->name && close_enough(s, len, ph->requests[j]->name, &best))
                hit = ph->requests[j]->name;
    }
    for (size_t i = 0; i < r->n_requests; i++)
        if (r->requests[i]->name && close_enough(s, len, r->requests[i]->name, &best))
            hit = r->requests[i]->name;
    for (size_t i = 0; i < r->n_commands; i++)
        if (r->commands[i]->name && close_enough(s, len, r->commands[i]->name, &best))
            hit = r->commands[i]->name;
    if (!hit)
        return false;
    snprintf(buf, size, "%s", hit);
    return true;
}

/* Whether any phase has a request of that name. */
static bool request_anywhere(const struct lc_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_phases; i++)
        if (lc_result_phase_find_request(r->phases[i], name))
            return true;
    return false;
}

/* Resolve a term's scope into tg (see lc_threshold_eval for the order). */
static int resolve(struct evalctx *c, const struct term *tm, struct target *tg)
{
    const struct lc_result *r = c->r;
    memset(tg, 0, sizeof(*tg));
    bool bench_only = tm->m == M_USER || tm->m == M_SYS || tm->m == M_CUSTOM;
    const char *s = tm->scope;
    if (!s) {
        if (bench_only || (r->n_phases == 0 && r->n_commands > 0)) {
            tg->bench = true;
            return T_OK;
        }
        tg->phase = c->fph;
        tg->stats = c->fph ? &c->fph->stats : &r->total;
        return T_OK;
    }
    const struct lc_result_phase *ph = lc_result_find_phase(r, s);
    if (ph) {
        tg->phase = ph;
        tg->stats = &ph->stats;
        return T_OK;
    }
    const struct lc_result_stats *st =
        c->fph ? lc_result_phase_find_request(c->fph, s) : lc_result_find_request(r, s);
    if (st) {
        tg->phase = c->fph;
        tg->stats = st;
        tg->request = true;
        return T_OK;
    }
    if (has_command(r, s)) {
        tg->bench = true;
        tg->command = s;
        return T_OK;
    }
    if (request_anywhere(r, s)) {
        if (c->fph)
            return emsg(c, T_NODATA, "no data for request '%s' in phase '%s' yet", s, c->fph->name);
        return emsg(c, T_NODATA, "no data for request '%s' (it ran only in unrecorded phases)", s);
    }
    /* "phase.request": try every dot, since names may hold dots themselves. */
    char left[256];
    for (const char *dot = strchr(s, '.'); dot; dot = strchr(dot + 1, '.')) {
        size_t n = (size_t)(dot - s);
        if (n == 0 || n >= sizeof(left))
            continue;
        memcpy(left, s, n);
        left[n] = '\0';
        ph = lc_result_find_phase(r, left);
        if (!ph)
            continue;
        st = lc_result_phase_find_request(ph, dot + 1);
        if (st) {
            tg->phase = ph;
            tg->stats = st;
            tg->request = true;
            return T_OK;
        }
        char sug[128];
        size_t best = (size_t)-1;
        const char *hit = NULL;
        for (size_t j = 0; j < ph->n_requests; j++)
            if (close_enough(dot + 1, strlen(dot + 1), ph->requests[j]->name, &best))
                hit = ph->requests[j]->name;
        snprintf(sug, sizeof(sug), "%s%s%s", hit ? " (did you mean '" : "", hit ? hit : "",
                 hit ? "'?)" : "");
        return emsg(c, T_BAD, "phase '%s' has no request '%s'%s", left, dot + 1, sug);
    }
    char sug[128];
    if (suggest_scope(r, s, sug, sizeof(sug)))
        return emsg(c, T_BAD, "unknown scope '%s' (did you mean '%s'?)", s, sug);
    return emsg(c, T_BAD, "unknown scope '%s': no phase, request or bench command has that name",
                s);
}

/* " in 'steady'", " in 'steady.query'" or "" for messages. */
static void scope_words(const struct evalctx *c, const struct term *tm, char *buf, size_t size)
{
    if (tm->scope)
        snprintf(buf, size, " in '%s'", tm->scope);
    else if (c->fph)
        snprintf(buf, size, " in phase '%s'", c->fph->name);
    else
        buf[0] = '\0';
}

/* ---- Evaluation: load metrics --------------------------------------------------------------- */

/* The latency histogram: corrected latency when it has samples, else service time. */
static const struct lc_hdr *latency_hist(const struct lc_result_stats *s)
{
    if (s->has_hist[LC_HIST_LATENCY] && s->hist[LC_HIST_LATENCY].total_count > 0)
        return &s->hist[LC_HIST_LATENCY];
    if (s->has_hist[LC_HIST_SERVICE] && s->hist[LC_HIST_SERVICE].total_count > 0)
        return &s->hist[LC_HIST_SERVICE];
    return NULL;
}

/* The seconds a target's stats span: its phase, else the recorded phases, else the run. */
static double span_s(const struct lc_result *r, const struct target *tg)
{
    if (tg->phase)
        return (double)tg->phase->duration_ns / 1e9;
    if (r->n_phases == 0)
        return (double)r->duration_ns / 1e9;
    double sum = 0;
    for (size_t i = 0; i < r->n_phases; i++)
        if (r->phases[i]->recorded)
            sum += (double)r->phases[i]->duration_ns / 1e9;
    return sum;
}

struct window {
    double lo, hi; /* s since the run start, inclusive */
};

static int cmp_window(const void *a, const void *b)
{
    const struct window *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/*
 * The time windows of a target, sorted and merged, in *w (malloc'd, caller
 * frees): its phase, else every recorded phase, else all time (no phases).
 */
static int target_windows(const struct lc_result *r, const struct target *tg, struct window **w,
                          size_t *n)
{
    size_t cap = tg->phase || r->n_phases == 0 ? 1 : r->n_phases;
    *w = malloc(cap * sizeof(**w));
    *n = 0;
    if (!*w)
        return LC_ENOMEM;
    if (tg->phase) {
        (*w)[0].lo = (double)tg->phase->start_offset_ns / 1e9;
        (*w)[0].hi = (double)(tg->phase->start_offset_ns + tg->phase->duration_ns) / 1e9;
        *n = 1;
        return 0;
    }
    if (r->n_phases == 0) {
        (*w)[0].lo = -INFINITY;
        (*w)[0].hi = INFINITY;
        *n = 1;
        return 0;
    }
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        if (!ph->recorded)
            continue;
        (*w)[*n].lo = (double)ph->start_offset_ns / 1e9;
        (*w)[*n].hi = (double)(ph->start_offset_ns + ph->duration_ns) / 1e9;
        (*n)++;
    }
    qsort(*w, *n, sizeof(**w), cmp_window);
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        if (m > 0 && (*w)[i].lo <= (*w)[m - 1].hi) {
            if ((*w)[i].hi > (*w)[m - 1].hi)
                (*w)[m - 1].hi = (*w)[i].hi;
        } else {
            (*w)[m++] = (*w)[i];
        }
    }
    *n = m;
    return 0;
}

static bool in_windows(const struct window *w, size_t n, double t)
{
    size_t lo = 0, hi = n; /* find the last window with w.lo <= t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid].lo <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && t <= w[lo - 1].hi;
}

enum agg { AGG_MEAN, AGG_MAX, AGG_SLOPE_PER_H };

/*
 * Aggregate the samples of resource `name` that fall in the target's
 * windows. T_NODATA when the series is absent (needs monitor) or too thin.
 */
static int resource_value(struct evalctx *c, const struct term *tm, const struct target *tg,
                          const char *name, enum agg agg, double *out)
{
    char where[300];
    scope_words(c, tm, where, sizeof(where));
    const struct lc_result_resource *res = lc_result_find_resource(c->r, name);
    if (!res || res->n_samples == 0) {
        if (c->r->kind == LC_RESULT_KIND_MONITOR) /* rates need two samples */
            return emsg(c, T_NODATA,
                        "no data for '%s' (no %s samples: watch longer than an interval)",
                        tm->metric, name);
        return emsg(c, T_NODATA, "no data for '%s' (needs monitor:)", tm->metric);
    }
    struct window *w;
    size_t nw;
    if (target_windows(c->r, tg, &w, &nw) != 0)
        return LC_ENOMEM;
    double *x = NULL, *y = NULL;
    if (agg == AGG_SLOPE_PER_H) {
        x = malloc(res->n_samples * sizeof(*x));
        y = malloc(res->n_samples * sizeof(*y));
        if (!x || !y) {
            free(x);
            free(y);
            free(w);
            return LC_ENOMEM;
        }
    }
    size_t n = 0;
    double sum = 0, max = -INFINITY;
    for (size_t i = 0; i < res->n_samples; i++) {
        const struct lc_result_sample *sm = &res->samples[i];
        if (!isfinite(sm->t_s) || !isfinite(sm->value) || !in_windows(w, nw, sm->t_s))
            continue;
        sum += sm->value;
        if (sm->value > max)
            max = sm->value;
        if (agg == AGG_SLOPE_PER_H) {
            x[n] = sm->t_s / 3600.0;
            y[n] = sm->value;
        }
        n++;
    }
    free(w);
    int rc = T_OK;
    if (n == 0) {
        rc = emsg(c, T_NODATA, "no data for '%s'%s (no monitor samples in its time window)",
                  tm->metric, where);
    } else if (agg == AGG_MEAN) {
        *out = sum / (double)n;
    } else if (agg == AGG_MAX) {
        *out = max;
    } else {
        struct lc_stats_fit fit;
        int frc = n >= 2 ? lc_stats_ols(x, y, n, &fit) : LC_EINVAL;
        if (frc == LC_ENOMEM)
            rc = LC_ENOMEM;
        else if (frc != 0)
            rc = emsg(c, T_NODATA, "no data for '%s'%s (needs monitor samples at 2 or more times)",
                      tm->metric, where);
        else
            *out = fit.slope;
    }
    free(x);
    free(y);
    if (rc == T_OK && !isfinite(*out))
        rc = emsg(c, T_NODATA, "no data for '%s'%s (the samples overflow)", tm->metric, where);
    return rc;
}

/* The generator's CPU in percent of one core. */
static int gen_cpu_value(struct evalctx *c, const struct term *tm, const struct target *tg,
                         double *out)
{
    const struct lc_result *r = c->r;
    double cpu_s = r->gen_cpu_user_s + r->gen_cpu_sys_s;
    double dur_s = (double)r->duration_ns / 1e9;
    bool whole = dur_s > 0 && cpu_s > 0 && isfinite(cpu_s);
    const struct lc_result_resource *series = lc_result_find_resource(r, "gen.cpu_percent");
    if (tg->phase && series)
        return resource_value(c, tm, tg, "gen.cpu_percent", AGG_MEAN, out);
    if (whole && (!tg->phase || r->n_phases == 1)) {
        *out = cpu_s / dur_s * 100.0;
        return T_OK;
    }
    if (!tg->phase && series)
        return resource_value(c, tm, tg, "gen.cpu_percent", AGG_MEAN, out);
    if (tg->phase && whole)
        return emsg(c, T_NODATA,
                    "no data for 'gen_cpu' in phase '%s' (a phase's figure needs the "
                    "gen.cpu_percent series)",
                    tg->phase->name);
    return emsg(c, T_NODATA, "no data for 'gen_cpu' (the generator's CPU time was not recorded)");
}

/*
 * A GPU metric: the aggregate of each GPU's series gpuN.<suffix> over the
 * target's windows, and the largest of them (the busiest GPU decides; its
 * name goes to c->subject when there are several). T_NODATA without GPU series.
 */
static int gpu_value(struct evalctx *c, const struct term *tm, const struct target *tg,
                     const char *suffix, enum agg agg, double *out)
{
    const struct lc_result *r = c->r;
    size_t n_gpus = 0, n_found = 0;
    int first_rc = T_OK;
    char first_msg[256] = "";
    for (size_t i = 0; i < r->n_resources; i++) {
        const char *name = r->resources[i]->name;
        if (!name || strncmp(name, "gpu", 3) != 0 || !is_digit(name[3]))
            continue;
        const char *p = name + 3;
        while (is_digit(*p))
            p++;
        if (*p != '.' || strcmp(p + 1, suffix) != 0)
            continue;
        n_gpus++;
        double v = 0;
        int rc = resource_value(c, tm, tg, name, agg, &v);
        if (rc == LC_ENOMEM)
            return rc;
        if (rc != T_OK) {
            if (first_rc == T_OK) {
                first_rc = rc;
                snprintf(first_msg, sizeof(first_msg), "%s", c->msg);
            }
            continue;
        }
        if (n_found == 0 || v > *out) {
            *out = v;
            if (c->subject)
                snprintf(c->subject, c->subject_size, "%.*s", (int)(p - name), name);
        }
        n_found++;
    }
    if (n_gpus == 0 && r->kind == LC_RESULT_KIND_MONITOR)
        return emsg(c, T_NODATA,
                    "no data for '%s' (no GPU series: no NVIDIA GPU and driver, or --gpu off)",
                    tm->metric);
    if (n_gpus == 0)
        return emsg(c, T_NODATA,
                    "no data for '%s' (no GPU series: needs monitor: on a machine with an NVIDIA "
                    "GPU and its driver)",
                    tm->metric);
    if (n_found == 0)
        return emsg(c, first_rc, "%s", first_msg);
    if (n_gpus == 1 && c->subject)
        c->subject[0] = '\0'; /* one GPU: nothing to tell apart */
    return T_OK;
}

/* A load metric's value in base units. */
static int load_value(struct evalctx *c, const struct term *tm, const struct target *tg,
                      double *out)
{
    const struct lc_result_stats *s = tg->stats;
    char where[300];
    scope_words(c, tm, where, sizeof(where));
    switch (tm->m) {
    case M_P:
    case M_AVG:
    case M_MED:
    case M_MIN:
    case M_MAX:
    case M_STDEV: {
        const struct lc_hdr *h = latency_hist(s);
        if (!h)
            return emsg(c, T_NODATA, "no data for '%s'%s (no latency samples)", tm->metric, where);
        if (tm->m == M_P)
            *out = (double)lc_hdr_value_at_percentile(h, tm->pct);
        else if (tm->m == M_MED)
            *out = (double)lc_hdr_value_at_percentile(h, 50.0);
        else if (tm->m == M_AVG)
            *out = lc_hdr_mean(h);
        else if (tm->m == M_MIN)
            *out = (double)lc_hdr_min(h);
        else if (tm->m == M_MAX)
            *out = (double)lc_hdr_max(h);
        else
            *out = lc_hdr_stdev(h);
        return T_OK;
    }
    case M_TTFB_P:
        if (!s->has_hist[LC_HIST_TTFB] || s->hist[LC_HIST_TTFB].total_count == 0)
            return emsg(c, T_NODATA, "no data for '%s'%s (no time-to-first-byte samples)",
                        tm->metric, where);
        *out = (double)lc_hdr_value_at_percentile(&s->hist[LC_HIST_TTFB], tm->pct);
        return T_OK;
    case M_RPS: {
        double span = span_s(c->r, tg);
        if (s->rps > 0)
            *out = s->rps;
        else if (span > 0)
            *out = (double)s->requests / span;
        else if (s->requests == 0)
            *out = 0;
        else
            return emsg(c, T_NODATA, "no data for 'rps'%s (the duration is unknown)", where);
        return T_OK;
    }
    case M_REQUESTS:
        *out = (double)s->requests;
        return T_OK;
    case M_ERRORS:
        *out = (double)s->errors;
        return T_OK;
    case M_ERROR_RATE:
        if (s->requests == 0)
            return emsg(c, T_NODATA, "no data for 'error_rate'%s (no requests)", where);
        *out = (double)s->errors * 100.0 / (double)s->requests;
        return T_OK;
    default:
        break;
    }
    /* Resource metrics describe the whole system under test over a time window. */
    if (tg->request)
        return emsg(c, T_BAD,
                    "%s is measured for the whole system, not per request: scope it to a phase",
                    tm->metric);
    switch (tm->m) {
    case M_CPU:
        return resource_value(c, tm, tg, "sut.cpu_percent", AGG_MEAN, out);
    case M_MEM:
        return resource_value(c, tm, tg, "sut.rss_bytes", AGG_MEAN, out);
    case M_MEM_PEAK:
        return resource_value(c, tm, tg, "sut.rss_bytes", AGG_MAX, out);
    case M_MEM_GROWTH:
        return resource_value(c, tm, tg, "sut.rss_bytes", AGG_SLOPE_PER_H, out);
    case M_GEN_CPU:
        return gen_cpu_value(c, tm, tg, out);
    case M_GPU_UTIL:
        return gpu_value(c, tm, tg, "util_percent", AGG_MEAN, out);
    case M_GPU_MEM:
        return gpu_value(c, tm, tg, "mem_used_bytes", AGG_MEAN, out);
    default:
        return emsg(c, T_BAD, "'%s' is a bench metric, not measured for load phases", tm->metric);
    }
}

/* ---- Evaluation: bench metrics --------------------------------------------------------------- */

/*
 * One command's value of a bench metric, in the term's written unit. For a
 * custom metric, *shown receives the unit to show when the limit is plain.
 */
static int bench_value(struct evalctx *c, const struct term *tm,
                       const struct lc_result_bench_command *cmd, double *out, const char **shown)
{
    if (cmd->n_runs == 0)
        return emsg(c, T_NODATA, "no data for '%s': command '%s' has no runs", tm->metric,
                    cmd->name);
    double *v = malloc(cmd->n_runs * sizeof(*v));
    if (!v)
        return LC_ENOMEM;
    size_t n = 0;
    const char *unit = NULL;
    for (size_t i = 0; i < cmd->n_runs; i++) {
        const struct lc_result_bench_run *run = &cmd->runs[i];
        switch (tm->m) {
        case M_USER:
            v[n++] = (double)run->user_ns;
            break;
        case M_SYS:
            v[n++] = (double)run->sys_ns;
            break;
        case M_MEM_PEAK:
            v[n++] = (double)run->max_rss_bytes;
            break;
        case M_CUSTOM:
            for (size_t k = 0; k < run->n_metrics; k++) {
                const struct lc_result_metric *mt = &run->metrics[k];
                if (mt->name && strcmp(mt->name, tm->metric) == 0 && isfinite(mt->value)) {
                    if (!unit)
                        unit = mt->unit;
                    v[n++] = mt->value;
                    break;
                }
            }
            break;
        default:
            v[n++] = (double)run->wall_ns;
            break;
        }
    }
    int rc = T_OK, src = 0;
    double raw = 0;
    switch (tm->m) {
    case M_P:
        src = lc_stats_percentile(v, n, tm->pct, &raw);
        break;
    case M_MED:
        src = lc_stats_median(v, n, &raw);
        break;
    case M_STDEV:
        if (n < 2)
            rc = emsg(c, T_NODATA, "no data for 'stdev': command '%s' needs at least 2 runs",
                      cmd->name);
        else
            src = lc_stats_stdev(v, n, &raw);
        break;
    case M_MIN:
        raw = v[0];
        for (size_t i = 1; i < n; i++)
            raw = v[i] < raw ? v[i] : raw;
        break;
    case M_MAX:
    case M_MEM_PEAK:
        raw = v[0];
        for (size_t i = 1; i < n; i++)
            raw = v[i] > raw ? v[i] : raw;
        break;
    case M_CUSTOM:
        if (n == 0) {
            rc = emsg(c, T_NODATA, "no data for '%s': no run of command '%s' recorded it",
                      tm->metric, cmd->name);
            break;
        }
        src = lc_stats_mean(v, n, &raw);
        break;
    default: /* mean wall, user, sys */
        src = lc_stats_mean(v, n, &raw);
        break;
    }
    free(v);
    if (rc != T_OK)
        return rc;
    if (src == LC_ENOMEM)
        return LC_ENOMEM;
    if (src != 0 || !isfinite(raw))
        return emsg(c, T_NODATA, "no data for '%s': the runs of command '%s' give no value",
                    tm->metric, cmd->name);
    if (tm->m != M_CUSTOM) {
        *out = raw / tm->scale;
        return T_OK;
    }
    /* A custom metric: convert when both units are known and alike, else they must match. */
    enum dim rd = D_OTHER;
    double rscale = 1.0;
    if (unit && lookup_unit(unit, strlen(unit), &rd, &rscale) != 0)
        rd = D_OTHER;
    if (tm->udim == D_NONE) {
        *out = raw;
        *shown = unit;
    } else if (unit && strcmp(unit, tm->unit) == 0) {
        *out = raw;
    } else if (rd != D_OTHER && rd == tm->udim) {
        *out = raw * rscale / tm->scale;
    } else {
        return emsg(c, T_BAD,
                    "metric '%s' of command '%s' is recorded in %s%s%s; write the limit "
                    "in that unit or as a plain number",
                    tm->metric, cmd->name, unit ? "'" : "", unit ? unit : "no unit",
                    unit ? "'" : "");
    }
    return T_OK;
}

/* A bench term: the command named by the scope, or the worst of all commands of that name. */
static int bench_term(struct evalctx *c, const struct term *tm, const struct target *tg,
                      struct lc_threshold_term *ot)
{
    if (tm->m != M_P && tm->m != M_AVG && tm->m != M_MED && tm->m != M_MIN && tm->m != M_MAX &&
        tm->m != M_STDEV && tm->m != M_MEM_PEAK && tm->m != M_USER && tm->m != M_SYS &&
        tm->m != M_CUSTOM)
        return emsg(c, T_BAD, "'%s' is a load metric; bench commands have %s", tm->metric,
                    bench_metric_list);
    if (c->r->n_commands == 0)
        return emsg(c, T_NODATA, "no data for '%s' (no bench commands in this result)", tm->metric);
    bool larger_is_worse = tm->op == OP_LT || tm->op == OP_LE;
    bool found = false;
    for (size_t i = 0; i < c->r->n_commands; i++) {
        const struct lc_result_bench_command *cmd = c->r->commands[i];
        if (tg->command && (!cmd->name || strcmp(cmd->name, tg->command) != 0))
            continue;
        double v = 0;
        const char *shown = NULL;
        int rc = bench_value(c, tm, cmd, &v, &shown);
        if (rc != T_OK)
            return rc;
        if (!found || (larger_is_worse ? v > ot->observed : v < ot->observed)) {
            ot->observed = v;
            if (shown)
                snprintf(ot->unit, sizeof(ot->unit), "%s", shown);
            /* Name the command when several compete: the name and its parameters. */
            size_t k = (size_t)snprintf(ot->subject, sizeof(ot->subject), "%s",
                                        cmd->name ? cmd->name : "");
            for (size_t j = 0; j < cmd->n_params && k < sizeof(ot->subject); j++)
                k += (size_t)snprintf(ot->subject + k, sizeof(ot->subject) - k, " %s=%s",
                                      cmd->params[j].key, cmd->params[j].value);
        }
        found = true;
    }
    if (!found)
        return emsg(c, T_NODATA, "no data for '%s' (no bench command)", tm->metric);
    return T_OK;
}

/* ---- Evaluation: terms and combinations --------------------------------------------------------
 */

static enum lc_result_verdict judge(enum op op, double observed, double limit, bool *holds)
{
    switch (op) {
    case OP_LT:
        *holds = observed < limit;
        break;
    case OP_LE:
        *holds = observed <= limit;
        break;
    case OP_GT:
        *holds = observed > limit;
        break;
    default:
        *holds = observed >= limit;
        break;
    }
    if (!*holds)
        return LC_RESULT_VERDICT_FAIL;
    if (limit != 0 && fabs(observed - limit) <= LC_THRESHOLD_WARN_FRACTION * fabs(limit))
        return LC_RESULT_VERDICT_WARN;
    return LC_RESULT_VERDICT_PASS;
}

/* Evaluate one term into ot; returns T_OK, T_NODATA, T_BAD (message in c->msg) or LC_ENOMEM. */
static int eval_term(struct evalctx *c, const struct term *tm, struct lc_threshold_term *ot)
{
    memset(ot, 0, sizeof(*ot));
    ot->scope = tm->scope;
    ot->metric = tm->metric;
    ot->op = op_names[tm->op];
    ot->limit_text = tm->limit_text;
    ot->limit = tm->limit;
    ot->observed = NAN;
    ot->verdict = LC_RESULT_VERDICT_FAIL;
    snprintf(ot->unit, sizeof(ot->unit), "%s", tm->shown);
    struct target tg;
    int rc = resolve(c, tm, &tg);
    if (rc != T_OK)
        return rc;
    if (tg.bench) {
        rc = bench_term(c, tm, &tg, ot);
    } else {
        double base = 0;
        c->subject = ot->subject;
        c->subject_size = sizeof(ot->subject);
        rc = load_value(c, tm, &tg, &base);
        c->subject = NULL;
        if (rc == T_OK)
            ot->observed = base / tm->scale;
    }
    if (rc != T_OK) {
        ot->observed = NAN;
        return rc;
    }
    ot->measured = true;
    ot->verdict = judge(tm->op, ot->observed, tm->limit, &ot->holds);
    return T_OK;
}

enum truth { TV_FALSE, TV_TRUE, TV_UNKNOWN };

/* Combine terms up the tree (Kleene logic); verdicts: && the worst, || the best of the true. */
static enum truth combine(const struct lc_threshold *t, int node,
                          const struct lc_threshold_outcome *o, enum lc_result_verdict *v)
{
    const struct node *nd = &t->nodes[node];
    if (nd->kind == N_TERM) {
        const struct lc_threshold_term *ot = &o->terms[nd->a];
        *v = ot->verdict;
        return !ot->measured ? TV_UNKNOWN : ot->holds ? TV_TRUE : TV_FALSE;
    }
    enum lc_result_verdict va, vb;
    enum truth a = combine(t, nd->a, o, &va);
    enum truth b = combine(t, nd->b, o, &vb);
    *v = LC_RESULT_VERDICT_FAIL;
    if (nd->kind == N_AND) {
        if (a == TV_FALSE || b == TV_FALSE)
            return TV_FALSE;
        if (a == TV_UNKNOWN || b == TV_UNKNOWN)
            return TV_UNKNOWN;
        *v = va > vb ? va : vb; /* PASS < WARN < FAIL in the enum */
        return TV_TRUE;
    }
    if (a == TV_TRUE && b == TV_TRUE) {
        *v = va < vb ? va : vb;
        return TV_TRUE;
    }
    if (a == TV_TRUE || b == TV_TRUE) {
        *v = a == TV_TRUE ? va : vb;
        return TV_TRUE;
    }
    if (a == TV_FALSE && b == TV_FALSE)
        return TV_FALSE;
    return TV_UNKNOWN;
}

int lc_threshold_eval_phase(const struct lc_threshold *t, const struct lc_result *r,
                            const char *phase, struct lc_threshold_outcome *out,
                            struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    out->verdict = LC_RESULT_VERDICT_FAIL;
    out->n_terms = t->n_terms;
    struct evalctx c = {.r = r};
    if (phase) {
        c.fph = lc_result_find_phase(r, phase);
        if (!c.fph) {
            snprintf(out->error, sizeof(out->error), "no phase '%s' in the result", phase);
            return lc_error_set(err, LC_EINVAL, "'%s': %s", t->text, out->error);
        }
    }
    bool bad = false, nodata = false;
    for (size_t i = 0; i < t->n_terms; i++) {
        char msg[sizeof(out->error)];
        msg[0] = '\0';
        c.msg = msg;
        c.msg_size = sizeof(msg);
        int rc = eval_term(&c, &t->terms[i], &out->terms[i]);
        if (rc == LC_ENOMEM) {
            snprintf(out->error, sizeof(out->error), "out of memory evaluating the threshold");
            return lc_error_set(err, LC_ENOMEM, "'%s': %s", t->text, out->error);
        }
        if (rc == T_OK)
            continue;
        /* Keep the first error, but let a configuration error win over missing data. */
        if (!out->error[0] || (rc == T_BAD && !bad))
            snprintf(out->error, sizeof(out->error), "%s", msg);
        if (rc == T_BAD)
            bad = true;
        else
            nodata = true;
    }
    enum lc_result_verdict v;
    enum truth tv = combine(t, t->root, out, &v);
    if (bad || tv == TV_UNKNOWN) {
        out->no_data = !bad && nodata;
        return lc_error_set(err, LC_EINVAL, "'%s': %s", t->text, out->error);
    }
    out->error[0] = '\0';
    out->ok = true;
    out->holds = tv == TV_TRUE;
    out->verdict = out->holds ? v : LC_RESULT_VERDICT_FAIL;
    return 0;
}

int lc_threshold_eval(const struct lc_threshold *t, const struct lc_result *r,
                      struct lc_threshold_outcome *out, struct lc_error *err)
{
    return lc_threshold_eval_phase(t, r, NULL, out, err);
}

/* ---- Verdicts into the Result and onto the terminal -------------------------------------------
 */

int lc_threshold_record(const struct lc_threshold *t, const struct lc_threshold_outcome *o,
                        struct lc_result *r)
{
    struct lc_result_threshold rt = {0};
    rt.expr = t->text;
    rt.limit = NAN;
    rt.observed = NAN;
    if (t->n_terms == 1) {
        const struct term *tm = &t->terms[0];
        const struct lc_threshold_term *ot = &o->terms[0];
        rt.scope = tm->scope;
        rt.metric = tm->metric;
        rt.op = (char *)op_names[tm->op];
        rt.limit = tm->limit;
        if (o->ok && ot->measured)
            rt.observed = ot->observed;
        const char *unit = ot->unit[0] ? ot->unit : tm->shown;
        rt.unit = unit[0] ? (char *)unit : NULL;
    }
    rt.verdict = o->ok ? o->verdict : LC_RESULT_VERDICT_FAIL;
    rt.abort = t->abort;
    return lc_result_add_threshold(r, &rt);
}

/* "212ms", "0.5%", "1000" into buf. */
static void fmt_value(char *buf, size_t size, double v, const char *unit)
{
    char num[48];
    fmt_num(num, sizeof(num), v);
    snprintf(buf, size, "%s%s", num, unit ? unit : "");
}

/* Append to buf at *k (bounded). */
static void append(char *buf, size_t size, size_t *k, const char *fmt, ...) LC_PRINTF(4, 5);
static void append(char *buf, size_t size, size_t *k, const char *fmt, ...)
{
    if (*k >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *k, size - *k, fmt, ap);
    va_end(ap);
    if (n > 0)
        *k += (size_t)n;
    if (*k > size)
        *k = size;
}

char *lc_threshold_format(const struct lc_threshold *t, const struct lc_threshold_outcome *o,
                          char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    static const char *const labels[] = {"PASS", "WARN", "FAIL"};
    const char *label = o->ok ? labels[o->verdict] : "FAIL";
    size_t k = 0;
    append(buf, size, &k, "%s  %-20s  ", label, t->text);
    if (!o->ok) {
        append(buf, size, &k, "%s", o->error);
        return buf;
    }
    char v[96];
    if (o->n_terms == 1) {
        const struct lc_threshold_term *ot = &o->terms[0];
        fmt_value(v, sizeof(v), ot->observed, ot->unit);
        append(buf, size, &k, "observed %s", v);
        if (ot->subject[0] && (!ot->scope || strcmp(ot->subject, ot->scope) != 0))
            append(buf, size, &k, " (%s)", ot->subject);
        if (o->verdict == LC_RESULT_VERDICT_WARN)
            append(buf, size, &k, " (within %.0f%% of the limit)",
                   LC_THRESHOLD_WARN_FRACTION * 100);
        return buf;
    }
    for (size_t i = 0; i < o->n_terms; i++) {
        const struct lc_threshold_term *ot = &o->terms[i];
        if (ot->measured)
            fmt_value(v, sizeof(v), ot->observed, ot->unit);
        else
            snprintf(v, sizeof(v), "n/a");
        append(buf, size, &k, "%s%s%s%s = %s", i ? ", " : "", ot->scope ? ot->scope : "",
               ot->scope ? ": " : "", ot->metric, v);
    }
    return buf;
}

char *lc_threshold_explain(const struct lc_threshold_outcome *o, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (!o->ok)
        return buf;
    size_t k = 0;
    bool first = true;
    for (size_t i = 0; i < o->n_terms; i++) {
        const struct lc_threshold_term *ot = &o->terms[i];
        if (!ot->measured || ot->holds != o->holds)
            continue;
        char v[96], lim[96];
        fmt_value(v, sizeof(v), ot->observed, ot->unit);
        fmt_value(lim, sizeof(lim), ot->limit, ot->unit);
        append(buf, size, &k, "%s%s%s%s = %s%s %s %s", first ? "" : ", ",
               ot->scope ? ot->scope : "", ot->scope ? ": " : "", ot->metric, v,
               ot->holds ? "" : ", not", ot->op, lim);
        first = false;
    }
    return buf;
}

/* ---- Lists ----------------------------------------------------------------------------------- */

void lc_threshold_list_init(struct lc_threshold_list *l)
{
    memset(l, 0, sizeof(*l));
}

void lc_threshold_list_free(struct lc_threshold_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        lc_threshold_free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

int lc_threshold_list_add(struct lc_threshold_list *l, const char *text,
                          enum lc_threshold_mode mode, bool abort, struct lc_error *err)
{
    if (l->n >= LC_RESULT_MAX_THRESHOLDS)
        return lc_error_set(err, LC_ELIMIT, "too many thresholds (at most %d)",
                            LC_RESULT_MAX_THRESHOLDS);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct lc_threshold **items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return lc_error_set(err, LC_ENOMEM, "out of memory adding a threshold");
        l->items = items;
        l->cap = cap;
    }
    struct lc_threshold *t;
    int rc = lc_threshold_parse(text, mode, &t, err);
    if (rc)
        return rc;
    t->abort = abort;
    l->items[l->n++] = t;
    return 0;
}

int lc_threshold_list_eval(const struct lc_threshold_list *l, struct lc_result *r,
                           struct lc_threshold_outcome *outs, struct lc_error *err)
{
    int failed = 0;
    struct lc_threshold_outcome *one = NULL;
    if (!outs && l->n > 0) {
        one = malloc(sizeof(*one));
        if (!one)
            return lc_error_set(err, LC_ENOMEM, "out of memory evaluating thresholds");
    }
    int rc = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct lc_threshold_outcome *o = outs ? &outs[i] : one;
        int erc = lc_threshold_eval(l->items[i], r, o, NULL);
        if (erc == LC_ENOMEM) {
            rc = lc_error_set(err, LC_ENOMEM, "out of memory evaluating thresholds");
            break;
        }
        if (!o->ok || o->verdict == LC_RESULT_VERDICT_FAIL)
            failed = 1;
        int arc = lc_threshold_record(l->items[i], o, r);
        if (arc) {
            rc = lc_error_set(err, arc, "cannot record threshold '%s': %s", l->items[i]->text,
                              lc_strerror(arc));
            break;
        }
    }
    free(one);
    return rc ? rc : failed;
}
