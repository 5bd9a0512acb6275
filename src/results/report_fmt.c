/* Numbers for people: durations, counts, rates, sizes, percentages and instants as short text. */
#include "results/report_fmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The printf precision that shows v (>= 0, < 1000) with 3 significant digits. */
static int sig3_prec(double v)
{
    if (v >= 99.95)
        return 0;
    if (v >= 9.995)
        return 1;
    return 2;
}

/* Copy "n/a" into buf; returns buf. */
static char *na(char *buf, size_t size)
{
    snprintf(buf, size, "n/a");
    return buf;
}

char *lc_report_fmt_ns(char *buf, size_t size, double ns)
{
    if (!isfinite(ns))
        return na(buf, size);
    const char *sign = ns < 0 ? "-" : "";
    double v = fabs(ns);
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1, "ns"}, {1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}};
    if (v < 999.5) {
        snprintf(buf, size, "%s%.0f ns", sign, v);
        return buf;
    }
    for (size_t i = 1; i < sizeof(units) / sizeof(units[0]); i++) {
        double x = v / units[i].scale;
        bool last = i + 1 == sizeof(units) / sizeof(units[0]);
        if (x < 999.5 && (!last || x < 59.95)) {
            snprintf(buf, size, "%s%.*f %s", sign, sig3_prec(x), x, units[i].unit);
            return buf;
        }
    }
    double s = v / 1e9;
    if (s < 3600 - 0.5) {
        long t = lround(s);
        snprintf(buf, size, "%s%ldm %02lds", sign, t / 60, t % 60);
    } else {
        long m = lround(s / 60);
        snprintf(buf, size, "%s%ldh %02ldm", sign, m / 60, m % 60);
    }
    return buf;
}

char *lc_report_fmt_secs(char *buf, size_t size, double s)
{
    if (!isfinite(s))
        return na(buf, size);
    if (s == 0) {
        snprintf(buf, size, "0 s");
        return buf;
    }
    if (fabs(s) < 1)
        return lc_report_fmt_ns(buf, size, s * 1e9);
    if (fabs(s) < 59.95) {
        snprintf(buf, size, "%.1f s", s);
        return buf;
    }
    return lc_report_fmt_ns(buf, size, s * 1e9);
}

char *lc_report_fmt_count(char *buf, size_t size, uint64_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
    char out[48];
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    if (size > 0) {
        size_t k = o < size - 1 ? o : size - 1;
        memcpy(buf, out, k);
        buf[k] = '\0';
    }
    return buf;
}

char *lc_report_fmt_rate(char *buf, size_t size, double per_s)
{
    if (!isfinite(per_s))
        return na(buf, size);
    if (per_s < 0)
        per_s = 0;
    if (per_s < 9.995)
        snprintf(buf, size, "%.2f/s", per_s);
    else if (per_s < 99.95)
        snprintf(buf, size, "%.1f/s", per_s);
    else if (per_s < 1e18) {
        char c[32];
        lc_report_fmt_count(c, sizeof(c), (uint64_t)llround(per_s));
        snprintf(buf, size, "%s/s", c);
    } else
        snprintf(buf, size, "%.3g/s", per_s);
    return buf;
}

char *lc_report_fmt_frac(char *buf, size_t size, double fraction)
{
    if (!isfinite(fraction))
        return na(buf, size);
    double pct = fraction * 100;
    if (pct == 0)
        snprintf(buf, size, "0%%");
    else if (fabs(pct) >= 999.5)
        snprintf(buf, size, "%.0f%%", pct);
    else
        snprintf(buf, size, "%.3g%%", pct);
    return buf;
}

char *lc_report_fmt_bytes(char *buf, size_t size, double bytes)
{
    if (!isfinite(bytes))
        return na(buf, size);
    const char *sign = bytes < 0 ? "-" : "";
    double v = fabs(bytes);
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
    if (v < 999.5) {
        snprintf(buf, size, "%s%.0f B", sign, v);
        return buf;
    }
    double x = v;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        x /= 1000;
        if (x < 999.5 || i + 1 == sizeof(units) / sizeof(units[0])) {
            snprintf(buf, size, "%s%.*f %s", sign, sig3_prec(x), x, units[i]);
            return buf;
        }
    }
    return buf;
}

char *lc_report_fmt_num(char *buf, size_t size, double v)
{
    if (!isfinite(v))
        return na(buf, size);
    double a = fabs(v);
    if (a < 9999.5) {
        snprintf(buf, size, "%.4g", v);
        return buf;
    }
    static const char *const suffix[] = {"k", "M", "G", "T", "P", "E"};
    double x = a;
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        x /= 1000;
        if (x < 999.5 || i + 1 == sizeof(suffix) / sizeof(suffix[0])) {
            snprintf(buf, size, "%s%.*f%s", v < 0 ? "-" : "", sig3_prec(x), x, suffix[i]);
            return buf;
        }
    }
    return buf;
}

char *lc_report_fmt_wall(char *buf, size_t size, uint64_t epoch_ns)
{
    if (epoch_ns == 0) {
        snprintf(buf, size, "unknown");
        return buf;
    }
    time_t t = (time_t)(epoch_ns / 1000000000ull);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "unknown");
    return buf;
}

char *lc_report_fmt_value(char *buf, size_t size, double v, const char *unit)
{
    if (!isfinite(v))
        return na(buf, size);
    if (!unit)
        unit = "";
    if (strcmp(unit, "bytes") == 0 || strcmp(unit, "B") == 0)
        return lc_report_fmt_bytes(buf, size, v);
    char num[40];
    if (fabs(v) >= 9999.5)
        lc_report_fmt_count(num + (v < 0), sizeof(num) - 1, (uint64_t)llround(fabs(v)));
    else
        snprintf(num + (v < 0), sizeof(num) - 1, "%.4g", fabs(v));
    if (v < 0)
        num[0] = '-';
    if (!*unit)
        snprintf(buf, size, "%s", num);
    else if (strcmp(unit, "%") == 0 || unit[0] == '/')
        snprintf(buf, size, "%s%s", num, unit);
    else
        snprintf(buf, size, "%s %s", num, unit);
    return buf;
}
