/* Parsing the metric lines commands write to $LOADCELL_METRICS, and per-run metric updates. */
#include "bench/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int lc_bench_metric_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > LC_BENCH_METRIC_NAME_MAX)
        return 0;
    char c = name[0];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'))
        return 0;
    for (size_t i = 1; i < len; i++) {
        c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse a finite decimal number from s[0..len) exactly. */
static int parse_value(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    /* strtod also takes hex, inf and nan: only digits, sign, dot and exponent here. */
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789+-.eE", buf[i]))
            return -1;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + len || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int lc_bench_metric_line_parse(const char *line, size_t len, struct lc_bench_metric_line *out,
                               struct lc_error *err)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    size_t i = 0;
    while (i < len && blank(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return 0;
    size_t name_start = i;
    while (i < len && line[i] != '=' && !blank(line[i]))
        i++;
    size_t name_len = i - name_start;
    while (i < len && blank(line[i]))
        i++;
    if (i == len || line[i] != '=')
        return lc_error_set(err, LC_EINVAL, "expected NAME=VALUE [UNIT]");
    if (!lc_bench_metric_name_ok(line + name_start, name_len))
        return lc_error_set(
            err, LC_EINVAL, "bad metric name '%.*s' (letters, digits, '_' and '.', at most %d)",
            (int)(name_len > 64 ? 64 : name_len), line + name_start, LC_BENCH_METRIC_NAME_MAX);
    i++;
    while (i < len && blank(line[i]))
        i++;
    size_t value_start = i;
    while (i < len && !blank(line[i]))
        i++;
    double value;
    if (parse_value(line + value_start, i - value_start, &value) != 0)
        return lc_error_set(err, LC_EINVAL, "bad value '%.*s' (a finite decimal number)",
                            (int)(i - value_start > 64 ? 64 : i - value_start), line + value_start);
    while (i < len && blank(line[i]))
        i++;
    size_t unit_start = i;
    while (i < len && !blank(line[i]))
        i++;
    size_t unit_len = i - unit_start;
    while (i < len && blank(line[i]))
        i++;
    if (i != len)
        return lc_error_set(err, LC_EINVAL, "text after the unit (the unit is one word)");
    if (unit_len > LC_BENCH_METRIC_UNIT_MAX)
        return lc_error_set(err, LC_EINVAL, "unit longer than %d bytes", LC_BENCH_METRIC_UNIT_MAX);
    for (size_t k = 0; k < unit_len; k++) {
        unsigned char c = (unsigned char)line[unit_start + k];
        if (c < 0x21 || c == 0x7f)
            return lc_error_set(err, LC_EINVAL, "control character in the unit");
    }
    out->name = line + name_start;
    out->name_len = name_len;
    out->value = value;
    out->unit = unit_len ? line + unit_start : NULL;
    out->unit_len = unit_len;
    return 1;
}

const struct lc_result_metric *lc_bench_run_metric(const struct lc_result_bench_run *run,
                                                   const char *name)
{
    for (size_t i = 0; i < run->n_metrics; i++)
        if (strcmp(run->metrics[i].name, name) == 0)
            return &run->metrics[i];
    return NULL;
}

int lc_bench_run_set_metric(struct lc_result_bench_run *run, const char *name, double value,
                            const char *unit)
{
    for (size_t i = 0; i < run->n_metrics; i++) {
        struct lc_result_metric *m = &run->metrics[i];
        if (strcmp(m->name, name) != 0)
            continue;
        int rc = lc_result_set_str(&m->unit, unit);
        if (rc == 0)
            m->value = value;
        return rc;
    }
    return lc_result_run_add_metric(run, name, value, unit);
}

int lc_bench_metrics_parse(const char *text, size_t len, struct lc_result_bench_run *run,
                           size_t *n_bad, unsigned *first_bad_line, struct lc_error *bad)
{
    unsigned line_no = 0;
    size_t i = 0, n_bad_lines = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t line_len = nl ? (size_t)(nl - (text + i)) : len - i;
        line_no++;
        struct lc_bench_metric_line m;
        struct lc_error e = {0};
        int rc = lc_bench_metric_line_parse(text + i, line_len, &m, &e);
        if (rc < 0) {
            if (n_bad_lines++ == 0) {
                if (first_bad_line)
                    *first_bad_line = line_no;
                if (bad)
                    *bad = e;
            }
        } else if (rc == 1) {
            char name[LC_BENCH_METRIC_NAME_MAX + 1], unit[LC_BENCH_METRIC_UNIT_MAX + 1];
            memcpy(name, m.name, m.name_len);
            name[m.name_len] = '\0';
            memcpy(unit, m.unit ? m.unit : "", m.unit_len);
            unit[m.unit_len] = '\0';
            rc = lc_bench_run_set_metric(run, name, m.value, m.unit_len ? unit : NULL);
            if (rc != 0)
                return rc;
        }
        i += line_len + (nl ? 1 : 0);
    }
    if (n_bad)
        *n_bad = n_bad_lines;
    return 0;
}
