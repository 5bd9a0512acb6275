/* Parsers for durations, rates, sizes and percentages, and their human forms. */
#include "core/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Split s into a leading decimal number and the unit text after it.
 * Returns 0 and sets *num and *unit (pointing into s), or -1 when s does not
 * start with a finite non-negative number.
 */
static int split_number(const char *s, double *num, const char **unit)
{
    char digits[64];
    size_t n = 0, ndigits = 0, ndots = 0;
    if (!s)
        return -1;
    /* Plain decimals only: strtod alone would accept "inf", "1e3" and hex. */
    for (const char *p = s; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
        if (n + 1 >= sizeof(digits))
            return -1;
        digits[n++] = *p;
        if (*p == '.')
            ndots++;
        else
            ndigits++;
    }
    if (ndigits == 0 || ndots > 1)
        return -1;
    digits[n] = '\0';
    *num = strtod(digits, NULL);
    *unit = s + n;
    return 0;
}

struct unit {
    const char *name;
    double scale;
};

static int lookup_unit(const struct unit *units, const char *text, double *scale)
{
    for (const struct unit *u = units; u->name; u++) {
        if (strcmp(u->name, text) == 0) {
            *scale = u->scale;
            return 0;
        }
    }
    return -1;
}

static const struct unit duration_units[] = {{"ns", 1.0}, {"us", 1e3},   {"ms", 1e6}, {"s", 1e9},
                                             {"m", 60e9}, {"h", 3600e9}, {NULL, 0}};

int lc_parse_duration_ns(const char *s, uint64_t *out_ns, struct lc_error *err)
{
    double v, scale;
    const char *unit;
    if (split_number(s, &v, &unit) != 0)
        goto bad;
    if (*unit == '\0') {
        if (v != 0)
            return lc_error_set(err, LC_EINVAL, "duration '%s' has no unit: write e.g. %gms or %gs",
                                s, v, v);
        *out_ns = 0;
        return 0;
    }
    if (lookup_unit(duration_units, unit, &scale) != 0)
        goto bad;
    double ns = v * scale;
    if (ns > 1e19)
        return lc_error_set(err, LC_ERANGE, "duration '%s' is too long", s);
    *out_ns = (uint64_t)round(ns); /* llround stops at 2^63 - 1 ns */
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL,
                        "invalid duration '%s': expected a number and a unit ns, us, ms, s, m "
                        "or h, e.g. 250us, 10ms, 1.5s, 2m",
                        s ? s : "");
}

/*
 * Split "A..B" into two NUL-terminated copies in a and b; returns 1 if a
 * range, 0 if not, -1 when a part does not fit in size (never truncated: a
 * truncated part could parse as something else).
 */
static int split_range(const char *s, char *a, char *b, size_t size)
{
    const char *dots = s ? strstr(s, "..") : NULL;
    if (!dots) {
        int n = snprintf(a, size, "%s", s ? s : "");
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    size_t alen = (size_t)(dots - s);
    if (alen >= size)
        return -1;
    memcpy(a, s, alen);
    a[alen] = '\0';
    int n = snprintf(b, size, "%s", dots + 2);
    return n < 0 || (size_t)n >= size ? -1 : 1;
}

static int range_too_long(const char *what, const char *s, struct lc_error *err)
{
    return lc_error_set(err, LC_EINVAL, "invalid %s '%.80s%s': too long", what, s,
                        strlen(s) > 80 ? "..." : "");
}

int lc_parse_duration_range(const char *s, uint64_t *lo_ns, uint64_t *hi_ns, struct lc_error *err)
{
    char a[64], b[64];
    int rc, k = split_range(s, a, b, sizeof(a));
    if (k < 0)
        return range_too_long("duration", s, err);
    if (k == 0) {
        rc = lc_parse_duration_ns(a, lo_ns, err);
        if (rc == 0)
            *hi_ns = *lo_ns;
        return rc;
    }
    rc = lc_parse_duration_ns(a, lo_ns, err);
    if (rc == 0)
        rc = lc_parse_duration_ns(b, hi_ns, err);
    if (rc == 0 && *lo_ns > *hi_ns)
        rc = lc_error_set(err, LC_EINVAL, "duration range '%s' runs backwards: write LO..HI", s);
    return rc;
}

static const struct unit rate_units[] = {
    {"/s", 1.0}, {"/m", 1.0 / 60}, {"/h", 1.0 / 3600}, {"", 1.0}, {NULL, 0}};

int lc_parse_rate(const char *s, double *out_per_sec, struct lc_error *err)
{
    double v, scale;
    const char *unit;
    if (split_number(s, &v, &unit) != 0 || lookup_unit(rate_units, unit, &scale) != 0)
        return lc_error_set(err, LC_EINVAL,
                            "invalid rate '%s': expected a number per second, minute or hour, "
                            "e.g. 200/s, 12000/m",
                            s ? s : "");
    if (v <= 0)
        return lc_error_set(err, LC_EINVAL, "rate '%s' must be greater than zero", s);
    *out_per_sec = v * scale;
    return 0;
}

int lc_parse_rate_range(const char *s, double *lo, double *hi, struct lc_error *err)
{
    char a[64], b[64];
    int rc, k = split_range(s, a, b, sizeof(a));
    if (k < 0)
        return range_too_long("rate", s, err);
    if (k == 0) {
        rc = lc_parse_rate(a, lo, err);
        if (rc == 0)
            *hi = *lo;
        return rc;
    }
    rc = lc_parse_rate(a, lo, err);
    if (rc == 0)
        rc = lc_parse_rate(b, hi, err);
    return rc;
}

static const struct unit size_units[] = {{"", 1.0},
                                         {"B", 1.0},
                                         {"KB", 1024.0},
                                         {"KiB", 1024.0},
                                         {"MB", 1048576.0},
                                         {"MiB", 1048576.0},
                                         {"GB", 1073741824},
                                         {"GiB", 1073741824},
                                         {"TB", 1099511627776.0},
                                         {"TiB", 1099511627776.0},
                                         {NULL, 0}};

int lc_parse_size_bytes(const char *s, uint64_t *out_bytes, struct lc_error *err)
{
    double v, scale;
    const char *unit;
    if (split_number(s, &v, &unit) != 0 || lookup_unit(size_units, unit, &scale) != 0)
        return lc_error_set(err, LC_EINVAL,
                            "invalid size '%s': expected a number and B, KB, MB or GB, e.g. "
                            "512B, 4KB, 1.5MB",
                            s ? s : "");
    double bytes = v * scale;
    if (*unit == '\0' && v != floor(v))
        return lc_error_set(err, LC_EINVAL, "size '%s' is a fraction of a byte", s);
    if (bytes > 1.8e19)
        return lc_error_set(err, LC_ERANGE, "size '%s' is too large", s);
    *out_bytes = (uint64_t)round(bytes); /* llround stops at 2^63 - 1 */
    return 0;
}

int lc_parse_size_range(const char *s, uint64_t *lo, uint64_t *hi, struct lc_error *err)
{
    char a[64], b[64];
    int rc, k = split_range(s, a, b, sizeof(a));
    if (k < 0)
        return range_too_long("size", s, err);
    if (k == 0) {
        rc = lc_parse_size_bytes(a, lo, err);
        if (rc == 0)
            *hi = *lo;
        return rc;
    }
    rc = lc_parse_size_bytes(a, lo, err);
    if (rc == 0)
        rc = lc_parse_size_bytes(b, hi, err);
    if (rc == 0 && *lo > *hi)
        rc = lc_error_set(err, LC_EINVAL, "size range '%s' runs backwards: write LO..HI", s);
    return rc;
}

int lc_parse_percent(const char *s, double *out_fraction, struct lc_error *err)
{
    double v;
    const char *unit;
    if (split_number(s, &v, &unit) != 0 || (*unit != '\0' && strcmp(unit, "%") != 0))
        goto bad;
    if (*unit == '%')
        v /= 100.0;
    if (v > 1.0)
        goto bad;
    *out_fraction = v;
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL,
                        "invalid percentage '%s': expected 0%%..100%% (e.g. 1%%, 0.5%%) or a "
                        "fraction from 0 to 1",
                        s ? s : "");
}

int lc_parse_u64(const char *s, uint64_t *out, struct lc_error *err)
{
    if (!s || *s < '0' || *s > '9')
        goto bad;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        goto bad;
    *out = v;
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL, "invalid number '%s': expected a whole number such as 10",
                        s ? s : "");
}

int lc_parse_double(const char *s, double *out, struct lc_error *err)
{
    char *end;
    if (!s || !*s)
        goto bad;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        goto bad;
    *out = v;
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL, "invalid number '%s'", s ? s : "");
}

char *lc_format_duration(uint64_t ns, char *buf, size_t size)
{
    double v = (double)ns;
    if (ns < 1000)
        snprintf(buf, size, "%lluns", (unsigned long long)ns);
    else if (ns < 1000000)
        snprintf(buf, size, "%.*fus", v < 1e4 ? 2 : v < 1e5 ? 1 : 0, v / 1e3);
    else if (ns < 1000000000)
        snprintf(buf, size, "%.*fms", v < 1e7 ? 2 : v < 1e8 ? 1 : 0, v / 1e6);
    else if (ns < 60 * 1000000000ULL)
        snprintf(buf, size, "%.2fs", v / 1e9);
    else
        snprintf(buf, size, "%.1fm", v / 60e9);
    return buf;
}

char *lc_format_bytes(double bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (bytes >= 1024.0 && i < 4) {
        bytes /= 1024.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, size, "%.0f%s", bytes, units[i]);
    else
        snprintf(buf, size, "%.2f%s", bytes, units[i]);
    return buf;
}
