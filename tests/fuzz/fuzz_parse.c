/*
 * libFuzzer target: the unit parsers of core/parse.h (durations, rates, sizes,
 * percentages, whole numbers, decimals, and their LO..HI ranges), checked
 * against a small reference grammar written here, plus the human formatters.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

struct unit {
    const char *name;
    double scale;
};

static const struct unit duration_units[] = {{"ns", 1.0}, {"us", 1e3},   {"ms", 1e6}, {"s", 1e9},
                                             {"m", 60e9}, {"h", 3600e9}, {NULL, 0}};
static const struct unit rate_units[] = {
    {"/s", 1.0}, {"/m", 1.0 / 60}, {"/h", 1.0 / 3600}, {"", 1.0}, {NULL, 0}};
static const struct unit size_units[] = {{"", 1.0},
                                         {"B", 1.0},
                                         {"KB", 1024.0},
                                         {"KiB", 1024.0},
                                         {"MB", 1048576.0},
                                         {"MiB", 1048576.0},
                                         {"GB", 1073741824.0},
                                         {"GiB", 1073741824.0},
                                         {"TB", 1099511627776.0},
                                         {"TiB", 1099511627776.0},
                                         {NULL, 0}};

/*
 * The reference: a plain decimal (digits with at most one dot, at least one
 * digit, at most 63 characters) then exactly one unit of the table. Returns 1
 * and the value and scale, or 0.
 */
static int ref_split(const char *s, const struct unit *units, double *v, double *scale,
                     const char **unit_text)
{
    size_t n = strspn(s, "0123456789.");
    size_t dots = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            dots++;
        else
            digits++;
    }
    if (digits == 0 || dots > 1 || n > 63)
        return 0;
    char buf[64];
    memcpy(buf, s, n);
    buf[n] = '\0';
    *v = strtod(buf, NULL);
    *unit_text = s + n;
    for (const struct unit *u = units; u->name; u++) {
        if (strcmp(u->name, s + n) == 0) {
            *scale = u->scale;
            return 1;
        }
    }
    return 0;
}

/* An integer result of a double computation: within half a unit plus rounding noise. */
static int close_to(uint64_t got, double want)
{
    return fabs((double)got - want) <= 0.5 + want * 1e-12;
}

static void check_error(int rc, const struct lc_error *err)
{
    CHECK(rc == LC_EINVAL || rc == LC_ERANGE);
    CHECK(err->code == rc && err->msg[0] != '\0');
    CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
}

static int parse_duration(const char *s, uint64_t *out)
{
    struct lc_error err;
    lc_error_clear(&err);
    uint64_t ns = 0xdeadbeef;
    int rc = lc_parse_duration_ns(s, &ns, &err);
    double v = 0, scale = 0;
    const char *unit = NULL;
    int syntax = ref_split(s, duration_units, &v, &scale, &unit);
    int bare_zero = 0;
    if (!syntax) { /* "0" (any spelling of zero) without a unit is accepted */
        double zv, zs;
        const char *zu;
        bare_zero =
            ref_split(s, (const struct unit[]){{"", 1.0}, {NULL, 0}}, &zv, &zs, &zu) && zv == 0;
    }
    if (rc != 0) {
        check_error(rc, &err);
        CHECK(ns == 0xdeadbeef);
        CHECK(!bare_zero);
        if (syntax) /* well formed: only too long a duration is refused */
            CHECK(rc == LC_ERANGE && v * scale > 1e19);
        return rc;
    }
    CHECK(syntax || bare_zero);
    if (bare_zero)
        CHECK(ns == 0);
    else
        CHECK(close_to(ns, v * scale));
    char small[6], big[64];
    lc_format_duration(ns, small, sizeof(small));
    lc_format_duration(ns, big, sizeof(big));
    CHECK(strlen(small) < sizeof(small) && strlen(big) < sizeof(big) && big[0] != '\0');
    *out = ns;
    return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
    struct lc_error err;
    lc_error_clear(&err);
    uint64_t b = 0xdeadbeef;
    int rc = lc_parse_size_bytes(s, &b, &err);
    double v = 0, scale = 0;
    const char *unit = NULL;
    int syntax = ref_split(s, size_units, &v, &scale, &unit);
    if (rc != 0) {
        check_error(rc, &err);
        CHECK(b == 0xdeadbeef);
        CHECK(!syntax || (*unit == '\0' && v != floor(v)) || v * scale > 1.8e19);
        return rc;
    }
    CHECK(syntax);
    CHECK(*unit != '\0' || v == floor(v));
    CHECK(close_to(b, v * scale));
    char small[5], big[64];
    lc_format_bytes((double)b, small, sizeof(small));
    lc_format_bytes((double)b, big, sizeof(big));
    CHECK(strlen(small) < sizeof(small) && strlen(big) < sizeof(big) && big[0] != '\0');
    *out = b;
    return 0;
}

static int parse_rate(const char *s, double *out)
{
    struct lc_error err;
    lc_error_clear(&err);
    double r = -1;
    int rc = lc_parse_rate(s, &r, &err);
    double v = 0, scale = 0;
    const char *unit = NULL;
    int syntax = ref_split(s, rate_units, &v, &scale, &unit);
    if (rc != 0) {
        check_error(rc, &err);
        CHECK(r == -1);
        CHECK(!syntax || v <= 0);
        return rc;
    }
    CHECK(syntax && v > 0);
    CHECK(isfinite(r) && r > 0 && r == v * scale);
    *out = r;
    return 0;
}

static void parse_percent(const char *s)
{
    struct lc_error err;
    lc_error_clear(&err);
    double f = -1;
    int rc = lc_parse_percent(s, &f, &err);
    double v = 0, scale = 0;
    const char *unit = NULL;
    static const struct unit pct_units[] = {{"", 1.0}, {"%", 0.01}, {NULL, 0}};
    int syntax = ref_split(s, pct_units, &v, &scale, &unit);
    double want = syntax && *unit == '%' ? v / 100.0 : v;
    if (rc != 0) {
        check_error(rc, &err);
        CHECK(f == -1);
        CHECK(!syntax || want > 1.0);
        return;
    }
    CHECK(syntax && f == want);
    CHECK(f >= 0 && f <= 1.0);
}

static void parse_u64(const char *s)
{
    struct lc_error err;
    lc_error_clear(&err);
    uint64_t u = 0xdeadbeef;
    int rc = lc_parse_u64(s, &u, &err);
    /* The reference: digits only, no overflow. */
    size_t n = strspn(s, "0123456789");
    int ok = n > 0 && s[n] == '\0';
    uint64_t want = 0;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (want > (UINT64_MAX - d) / 10)
            ok = 0;
        else
            want = want * 10 + d;
    }
    if (rc != 0) {
        check_error(rc, &err);
        CHECK(!ok && u == 0xdeadbeef);
        return;
    }
    CHECK(ok && u == want);
}

static void parse_double(const char *s)
{
    struct lc_error err;
    lc_error_clear(&err);
    double d = 0;
    int rc = lc_parse_double(s, &d, &err);
    if (rc != 0) {
        check_error(rc, &err);
        return;
    }
    CHECK(isfinite(d) && s[0] != '\0');
}

/*
 * Ranges: without "..", the same as the single parser; with it, success
 * means both sides (split at the first "..", untruncated) parse alone to the
 * same values.
 */
static void parse_ranges(const char *s)
{
    struct lc_error err;
    const char *dots = strstr(s, "..");
    char *left = NULL;
    const char *right = NULL;
    if (dots) {
        size_t n = (size_t)(dots - s);
        left = malloc(n + 1);
        if (!left)
            return;
        memcpy(left, s, n);
        left[n] = '\0';
        right = dots + 2;
    }

    uint64_t lo, hi, a, b;
    lc_error_clear(&err);
    int rc = lc_parse_duration_range(s, &lo, &hi, &err);
    if (rc != 0) {
        check_error(rc, &err);
    } else {
        CHECK(lo <= hi);
        if (!dots)
            CHECK(parse_duration(s, &a) == 0 && a == lo && hi == lo);
        else
            CHECK(parse_duration(left, &a) == 0 && parse_duration(right, &b) == 0 && a == lo &&
                  b == hi);
    }
    lc_error_clear(&err);
    rc = lc_parse_size_range(s, &lo, &hi, &err);
    if (rc != 0) {
        check_error(rc, &err);
    } else {
        CHECK(lo <= hi);
        if (!dots)
            CHECK(parse_size(s, &a) == 0 && a == lo && hi == lo);
        else
            CHECK(parse_size(left, &a) == 0 && parse_size(right, &b) == 0 && a == lo && b == hi);
    }
    double rlo, rhi, ra, rb;
    lc_error_clear(&err);
    rc = lc_parse_rate_range(s, &rlo, &rhi, &err);
    if (rc != 0) {
        check_error(rc, &err);
    } else {
        CHECK(rlo > 0 && rhi > 0);
        if (!dots)
            CHECK(parse_rate(s, &ra) == 0 && ra == rlo && rhi == rlo);
        else
            CHECK(parse_rate(left, &ra) == 0 && parse_rate(right, &rb) == 0 && ra == rlo &&
                  rb == rhi);
    }
    free(left);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Flag values are C strings: the input up to its first NUL, in an exact-size copy. */
    const uint8_t *nul = memchr(data, 0, size);
    size_t n = nul ? (size_t)(nul - data) : size;
    char *s = malloc(n + 1);
    if (!s)
        return 0;
    memcpy(s, data, n);
    s[n] = '\0';
    uint64_t u;
    double d;
    (void)parse_duration(s, &u);
    (void)parse_size(s, &u);
    (void)parse_rate(s, &d);
    parse_percent(s);
    parse_u64(s);
    parse_double(s);
    parse_ranges(s);
    free(s);
    return 0;
}
