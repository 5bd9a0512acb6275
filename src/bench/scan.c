/* Parameter scans: parse list and range specs, walk the grid, substitute {name} placeholders. */
#include "bench/scan.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lc_bench_parse_number(const char *s, double *out)
{
    /* The strtod subset people write in a command line: no hex, inf, nan or spaces. */
    const char *p = s;
    size_t digits = 0;
    if (!s || !*s)
        return LC_EINVAL;
    if (*p == '+' || *p == '-')
        p++;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return LC_EINVAL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return LC_EINVAL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0')
        return LC_EINVAL;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end != p || !isfinite(v))
        return LC_EINVAL;
    *out = v;
    return 0;
}

char *lc_bench_format_number(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 9e15)
        snprintf(buf, size, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
    else
        snprintf(buf, size, "%.12g", v);
    return buf;
}

void lc_bench_scan_free(struct lc_bench_scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_values; i++)
        free(s->values[i]);
    free(s->values);
    free(s->name);
    memset(s, 0, sizeof(*s));
}

static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len >= LC_BENCH_MAX_PARAM_NAME)
        return 0;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

/* Append a copy of v[0..len) to s->values (the array has room: the caller sized it). */
static int push_value(struct lc_bench_scan *s, const char *v, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return LC_ENOMEM;
    memcpy(copy, v, len);
    copy[len] = '\0';
    s->values[s->n_values++] = copy;
    return 0;
}

static int parse_list(struct lc_bench_scan *s, const char *spec, const char *list,
                      struct lc_error *err)
{
    size_t count = 1;
    for (const char *p = list; *p; p++)
        count += *p == ',';
    if (count > LC_BENCH_MAX_SCAN_VALUES)
        return lc_error_set(err, LC_ERANGE, "--scan '%s': more than %d values", spec,
                            LC_BENCH_MAX_SCAN_VALUES);
    s->values = calloc(count, sizeof(*s->values));
    if (!s->values)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            return lc_error_set(err, LC_EINVAL,
                                "--scan '%s': empty value in the list (write NAME=V1,V2,...)",
                                spec);
        if (push_value(s, p, len) != 0)
            return lc_error_set(err, LC_ENOMEM, "out of memory");
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/*
 * Parse "A..B[:STEP|:xK]" from range (NUL-terminated). Returns 1 when range is
 * a range (values stored), 0 when it is not range syntax at all (a list value),
 * or a negative error.
 */
static int parse_range(struct lc_bench_scan *s, const char *spec, const char *range,
                       struct lc_error *err)
{
    const char *dots = strstr(range, "..");
    if (!dots)
        return 0;
    char a_txt[64], b_txt[64], step_txt[64] = "";
    const char *colon = strchr(dots + 2, ':');
    size_t a_len = (size_t)(dots - range);
    size_t b_len = colon ? (size_t)(colon - dots - 2) : strlen(dots + 2);
    if (a_len == 0 || a_len >= sizeof(a_txt))
        return 0; /* "../data": a value that happens to contain two dots */
    memcpy(a_txt, range, a_len);
    a_txt[a_len] = '\0';
    double a, b, step = 1;
    if (lc_bench_parse_number(a_txt, &a) != 0)
        return 0;
    if (b_len == 0 || b_len >= sizeof(b_txt) || (colon && strlen(colon + 1) >= sizeof(step_txt)))
        goto syntax;
    memcpy(b_txt, dots + 2, b_len);
    b_txt[b_len] = '\0';
    if (colon)
        snprintf(step_txt, sizeof(step_txt), "%s", colon + 1);
    int geometric = 0;
    if (lc_bench_parse_number(b_txt, &b) != 0)
        goto syntax;
    if (colon) {
        const char *st = step_txt;
        if (*st == 'x' || *st == 'X') {
            geometric = 1;
            st++;
        }
        if (lc_bench_parse_number(st, &step) != 0)
            goto syntax;
    }
    if (a > b)
        return lc_error_set(err, LC_EINVAL, "--scan '%s': the range must not go down (%s > %s)",
                            spec, a_txt, b_txt);
    if (geometric && !(a > 0 && step > 1))
        return lc_error_set(err, LC_EINVAL,
                            "--scan '%s': a geometric range needs a start above 0 and a factor "
                            "above 1 (e.g. 100..10000:x10)",
                            spec);
    if (!geometric && !(step > 0))
        return lc_error_set(err, LC_EINVAL, "--scan '%s': the step must be above 0", spec);

    /* Count first, so that a huge range fails before anything is allocated. */
    double tol = 1e-9 * fmax(fabs(a), fabs(b));
    size_t count = 0;
    double v = a;
    while (v <= b + tol) {
        if (++count > LC_BENCH_MAX_SCAN_VALUES)
            return lc_error_set(err, LC_ERANGE,
                                "--scan '%s': more than %d values (use a larger step)", spec,
                                LC_BENCH_MAX_SCAN_VALUES);
        v = geometric ? v * step : a + (double)count * step;
    }
    s->values = calloc(count, sizeof(*s->values));
    if (!s->values)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    v = a;
    for (size_t i = 0; i < count; i++) {
        char buf[64];
        /* Round away the noise of binary fractions: 0.1 + 2 * 0.1 is 0.3. */
        double shown = strtod(lc_bench_format_number(v, buf, sizeof(buf)), NULL);
        if (i + 1 == count && fabs(shown - b) <= tol)
            shown = b;
        lc_bench_format_number(shown, buf, sizeof(buf));
        if (push_value(s, buf, strlen(buf)) != 0)
            return lc_error_set(err, LC_ENOMEM, "out of memory");
        v = geometric ? v * step : a + (double)(i + 1) * step;
    }
    return 1;
syntax:
    return lc_error_set(err, LC_EINVAL,
                        "--scan '%s': expected A..B, A..B:STEP or A..B:xFACTOR with decimal "
                        "numbers (e.g. n=100..10000:x10)",
                        spec);
}

int lc_bench_scan_parse(const char *spec, struct lc_bench_scan *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq)
        return lc_error_set(err, LC_EINVAL,
                            "--scan '%s': expected NAME=V1,V2,... or NAME=A..B[:STEP|:xK] "
                            "(e.g. n=100,1000,10000)",
                            spec ? spec : "");
    size_t name_len = (size_t)(eq - spec);
    if (!valid_name(spec, name_len))
        return lc_error_set(err, LC_EINVAL,
                            "--scan '%s': the name must be letters, digits and '_' (not "
                            "starting with a digit), at most %d bytes",
                            spec, LC_BENCH_MAX_PARAM_NAME - 1);
    const char *rest = eq + 1;
    if (!*rest)
        return lc_error_set(err, LC_EINVAL, "--scan '%s': no values after '='", spec);
    out->name = malloc(name_len + 1);
    if (!out->name)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    memcpy(out->name, spec, name_len);
    out->name[name_len] = '\0';
    int rc = 0;
    if (!strchr(rest, ','))
        rc = parse_range(out, spec, rest, err);
    if (rc == 0)
        rc = parse_list(out, spec, rest, err);
    if (rc < 0) {
        lc_bench_scan_free(out);
        return rc;
    }
    out->numeric = true;
    for (size_t i = 0; i < out->n_values; i++) {
        double v;
        if (lc_bench_parse_number(out->values[i], &v) != 0)
            out->numeric = false;
    }
    return 0;
}

int lc_bench_grid_size(const struct lc_bench_scan *scans, size_t n, size_t *out,
                       struct lc_error *err)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(scans[i].name, scans[j].name) == 0)
                return lc_error_set(err, LC_EINVAL, "--scan %s is given twice", scans[i].name);
        if (scans[i].n_values == 0 || total > LC_BENCH_MAX_GRID_POINTS / scans[i].n_values)
            return lc_error_set(err, LC_ERANGE,
                                "the scans make more than %d points; scan fewer values",
                                LC_BENCH_MAX_GRID_POINTS);
        total *= scans[i].n_values;
    }
    *out = total;
    return 0;
}

void lc_bench_grid_point(const struct lc_bench_scan *scans, size_t n, size_t index,
                         size_t *value_idx)
{
    for (size_t k = n; k-- > 0;) {
        value_idx[k] = index % scans[k].n_values;
        index /= scans[k].n_values;
    }
}

/* The kv entry whose "{key}" starts at p, or NULL. */
static const struct lc_bench_kv *match_key(const char *p, const struct lc_bench_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(kv[i].key);
        if (p[0] == '{' && strncmp(p + 1, kv[i].key, len) == 0 && p[1 + len] == '}')
            return &kv[i];
    }
    return NULL;
}

int lc_bench_substitute(const char *tmpl, const struct lc_bench_kv *kv, size_t n, char **out)
{
    *out = NULL;
    if (!tmpl)
        return 0;
    /* Two passes: measure, then copy. */
    size_t len = 0;
    for (const char *p = tmpl; *p;) {
        const struct lc_bench_kv *m = *p == '{' ? match_key(p, kv, n) : NULL;
        if (m) {
            len += strlen(m->value);
            p += strlen(m->key) + 2;
        } else {
            len++;
            p++;
        }
    }
    char *s = malloc(len + 1);
    if (!s)
        return LC_ENOMEM;
    size_t at = 0;
    for (const char *p = tmpl; *p;) {
        const struct lc_bench_kv *m = *p == '{' ? match_key(p, kv, n) : NULL;
        if (m) {
            size_t vl = strlen(m->value);
            memcpy(s + at, m->value, vl);
            at += vl;
            p += strlen(m->key) + 2;
        } else {
            s[at++] = *p++;
        }
    }
    s[at] = '\0';
    *out = s;
    return 0;
}

bool lc_bench_mentions(const char *tmpl, const char *key)
{
    struct lc_bench_kv kv = {key, ""};
    for (const char *p = tmpl ? strchr(tmpl, '{') : NULL; p; p = strchr(p + 1, '{'))
        if (match_key(p, &kv, 1))
            return true;
    return false;
}
