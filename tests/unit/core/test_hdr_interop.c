/*
 * Interoperability of core/hdr's V2 encoding with an independent implementation:
 * hdr-histogram-js 3.0.1, driven by tests/interop/hdr_interop.js under node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/hdr.h"

#define NPCT 12
static const double percentiles[NPCT] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};

/* The reference histograms; the same list as CONFIGS in hdr_interop.js. */
struct config {
    int64_t lowest, highest;
    int sigfigs;
    int64_t n;
    uint32_t seed;
    int scale; /* counts are multiplied by 2^scale */
};
static const struct config configs[] = {
    {1, 3600000000000LL, 3, 20000, 1, 0},
    {1000, 3600000000000LL, 3, 20000, 2, 0},
    {1, 1000000, 2, 5000, 3, 0},
    {10, 100000000, 1, 3000, 4, 0},
    {1, 1000000000, 5, 2000, 5, 0},
    {1, 3600000000000LL, 3, 0, 6, 0},
    {1, 4503599627370495LL, 2, 3000, 7, 0},
    {1000, 3600000000000LL, 2, 200, 8, 40},
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

/* The deterministic value list described in hdr_interop.js (32-bit xorshift). */
static uint32_t xorshift32(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void build(struct lc_hdr *h, const struct config *c)
{
    assert_int_equal(lc_hdr_init(h, c->lowest, c->highest, c->sigfigs), 0);
    uint32_t x = c->seed;
    for (int64_t i = 0; i < c->n; i++) {
        uint32_t a = xorshift32(&x), b = xorshift32(&x);
        uint32_t e = a % 31;
        uint64_t v = ((uint64_t)(b % 1024) << e) + (a >> 5) % (1u << e);
        if (a % 97 == 0)
            v = 0;
        v %= (uint64_t)c->highest + 1;
        lc_hdr_record_n(h, (int64_t)v, (int64_t)(1 + (b >> 10) % 3) << c->scale);
    }
}

/* ---- running the script ------------------------------------------------ */

static const char *source_dir(void)
{
    const char *dir = getenv("LC_SOURCE_DIR");
    if (!dir || !*dir)
        fail_msg("LC_SOURCE_DIR is not set (ctest sets it to the repository root)");
    if (strchr(dir, '\''))
        fail_msg("LC_SOURCE_DIR contains a quote: %s", dir);
    return dir;
}

/* Fail (not skip) when node or the pinned npm package is missing. */
static void require_node(void)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/tests/interop/hdr_interop.js", source_dir());
    if (stat(path, &st) != 0)
        fail_msg("missing %s", path);
    snprintf(path, sizeof(path), "%s/tests/interop/node_modules/hdr-histogram-js/package.json",
             source_dir());
    if (stat(path, &st) != 0)
        fail_msg("hdr-histogram-js is not installed in tests/interop/node_modules: "
                 "run scripts/install-deps.sh");
    FILE *p = popen("node --version 2>&1", "r");
    char version[128] = "";
    if (p) {
        if (!fgets(version, sizeof(version), p))
            version[0] = '\0';
    }
    if (!p || pclose(p) != 0 || version[0] != 'v')
        fail_msg("node is not available (%s): run scripts/install-deps.sh", version);
}

struct lines {
    char **v;
    size_t n;
};

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Run the script with args; return its stdout lines (newline stripped). */
static void run_script(const char *args, struct lines *out)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "node '%s/tests/interop/hdr_interop.js' %s", source_dir(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    out->v = NULL;
    out->n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, p)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        char **grown = realloc(out->v, (out->n + 1) * sizeof(char *));
        assert_non_null(grown);
        out->v = grown;
        out->v[out->n++] = strdup(line);
    }
    free(line);
    int status = pclose(p);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("'%s' failed (status %d)", cmd, status);
}

/* Split s in place on spaces; returns the token count (at most max). */
static size_t split(char *s, char **tok, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
        tok[n++] = t;
    return n;
}

static int64_t to_i64(const char *s)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        fail_msg("not an integer: '%s'", s);
    return v;
}

static double to_double(const char *s)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        fail_msg("not a number: '%s'", s);
    return v;
}

/*
 * Compare h with the statistics printed by the script: total min max mean
 * stdev p0..p100. Same bucket layout on both sides (a decoded histogram has
 * its encoder's layout), so counts, min, max and percentiles must be equal.
 * The mean and stdev are sums of doubles in the same order on both sides; a
 * relative 1e-9 leaves room only for floating-point contraction or
 * reassociation differences between the C compiler and V8.
 */
static void assert_stats(const struct lc_hdr *h, char **tok, const char *what)
{
    if (to_i64(tok[0]) != h->total_count)
        fail_msg("%s: total %s (js) vs %lld", what, tok[0], (long long)h->total_count);
    if (to_i64(tok[1]) != lc_hdr_min(h))
        fail_msg("%s: min %s (js) vs %lld", what, tok[1], (long long)lc_hdr_min(h));
    if (to_i64(tok[2]) != lc_hdr_max(h))
        fail_msg("%s: max %s (js) vs %lld", what, tok[2], (long long)lc_hdr_max(h));
    double mean = to_double(tok[3]), stdev = to_double(tok[4]);
    if (fabs(mean - lc_hdr_mean(h)) > 1e-9 * fabs(mean))
        fail_msg("%s: mean %s (js) vs %.17g", what, tok[3], lc_hdr_mean(h));
    if (fabs(stdev - lc_hdr_stdev(h)) > 1e-9 * fabs(stdev) + 1e-9)
        fail_msg("%s: stdev %s (js) vs %.17g", what, tok[4], lc_hdr_stdev(h));
    for (int i = 0; i < NPCT; i++) {
        int64_t ours = lc_hdr_value_at_percentile(h, percentiles[i]);
        if (to_i64(tok[5 + i]) != ours)
            fail_msg("%s: p%g %s (js) vs %lld", what, percentiles[i], tok[5 + i], (long long)ours);
    }
}

/* Compare h's non-empty counts with "index:count,..." ("-" for none). */
static void assert_buckets(const struct lc_hdr *h, char *list, const char *what)
{
    int32_t i = 0;
    char *save = NULL;
    char *item = strcmp(list, "-") == 0 ? NULL : strtok_r(list, ",", &save);
    for (; item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        assert_non_null(colon);
        *colon = '\0';
        int64_t idx = to_i64(item), count = to_i64(colon + 1);
        while (i < h->counts_len && h->counts[i] == 0)
            i++;
        if (i != idx || i >= h->counts_len || h->counts[i] != count)
            fail_msg("%s: js has count %lld at index %lld, ours next is index %d", what,
                     (long long)count, (long long)idx, (int)i);
        i++;
    }
    while (i < h->counts_len && h->counts[i] == 0)
        i++;
    if (i != h->counts_len)
        fail_msg("%s: ours has a count at index %d that js lacks", what, (int)i);
}

/* ---- tests ------------------------------------------------------------- */

/* loadcell encodes; hdr-histogram-js decodes and reports. */
static void test_js_decodes_ours(void **state)
{
    (void)state;
    require_node();
    enum { N = NCONFIGS + 1 };
    struct lc_hdr hs[N];
    for (size_t i = 0; i < NCONFIGS; i++)
        build(&hs[i], &configs[i]);
    /* One more: clamped values and coordinated-omission correction. */
    assert_int_equal(lc_hdr_init(&hs[NCONFIGS], 1000, 60000000000LL, 3), 0);
    for (int64_t v = 0; v < 100000000000LL; v = v * 5 / 4 + 777)
        lc_hdr_record_corrected(&hs[NCONFIGS], v, 10000000);
    assert_true(hs[NCONFIGS].clamped > 0);

    char path[] = "/tmp/lc_hdr_interop_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (size_t i = 0; i < N; i++) {
        char *text = NULL;
        assert_int_equal(lc_hdr_encode_base64(&hs[i], &text), 0);
        fprintf(f, "%s\n", text);
        free(text);
    }
    assert_int_equal(fclose(f), 0);

    char args[256];
    snprintf(args, sizeof(args), "decode '%s'", path);
    struct lines out;
    run_script(args, &out);
    unlink(path);
    assert_int_equal(out.n, N);
    for (size_t i = 0; i < N; i++) {
        char what[64];
        snprintf(what, sizeof(what), "histogram %zu", i);
        char *tok[5 + NPCT + 1];
        assert_int_equal(split(out.v[i], tok, 5 + NPCT + 1), 5 + NPCT + 1);
        assert_stats(&hs[i], tok, what);
        assert_buckets(&hs[i], tok[5 + NPCT], what);
        lc_hdr_free(&hs[i]);
    }
    lines_free(&out);
}

/* hdr-histogram-js encodes; loadcell decodes, and records the same values itself. */
static void test_we_decode_js(void **state)
{
    (void)state;
    require_node();
    struct lines out;
    run_script("encode", &out);
    assert_int_equal(out.n, NCONFIGS);
    for (size_t i = 0; i < out.n; i++) {
        char what[64];
        snprintf(what, sizeof(what), "js histogram %zu", i);
        char *tok[7 + 5 + NPCT];
        assert_int_equal(split(out.v[i], tok, 7 + 5 + NPCT), 7 + 5 + NPCT);
        struct config c = {to_i64(tok[0]), to_i64(tok[1]),           (int)to_i64(tok[2]),
                           to_i64(tok[3]), (uint32_t)to_i64(tok[4]), (int)to_i64(tok[5])};
        struct lc_hdr decoded, ours;
        struct lc_error err = {0};
        if (lc_hdr_decode_base64(&decoded, tok[6], strlen(tok[6]), &err) != 0)
            fail_msg("%s: decode failed: %s", what, err.msg);
        assert_int_equal(decoded.lowest_discernible, c.lowest);
        assert_int_equal(decoded.highest_trackable, c.highest);
        assert_int_equal(decoded.significant_figures, c.sigfigs);
        assert_stats(&decoded, tok + 7, what);
        /* Our own recording of the same values lands in exactly the same buckets. */
        build(&ours, &c);
        assert_int_equal(ours.counts_len, decoded.counts_len);
        assert_int_equal(ours.total_count, decoded.total_count);
        assert_memory_equal(ours.counts, decoded.counts, (size_t)ours.counts_len * sizeof(int64_t));
        assert_stats(&ours, tok + 7, what);
        lc_hdr_free(&decoded);
        lc_hdr_free(&ours);
    }
    lines_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_js_decodes_ours),
        cmocka_unit_test(test_we_decode_js),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
