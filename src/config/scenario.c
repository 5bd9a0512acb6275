/* Scenario files: YAML tree, --set overrides, validation with positions, conversion to structs. */
#include "config/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/scan.h"
#include "config/yaml_tree.h"
#include "core/parse.h"
#include "net/tls_client.h"
#include "net/url.h"
#include "results/threshold.h"

/* ---- Arena: every allocation of a scenario, freed in one call -------------------------- */

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes, aligned for anything */
};

struct lc_scenario_arena {
    struct arena_block *head;
};

/* n zeroed bytes owned by the arena, or NULL when out of memory. */
static void *arena_alloc(struct lc_scenario_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    struct arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        b = calloc(1, sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = (unsigned char *)b->data + b->used;
    b->used += n;
    return p;
}

static char *arena_memdup(struct lc_scenario_arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p && n)
        memcpy(p, s, n);
    return p;
}

static char *arena_strdup(struct lc_scenario_arena *a, const char *s)
{
    return arena_memdup(a, s, strlen(s));
}

static void arena_free(struct lc_scenario_arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* ---- Schema: the keys each map may hold (for checks, suggestions and --set) ------------ */

enum sch {
    S_LEAF, /* a value: text, or a list of values (expect.status) */
    S_ROOT,
    S_DEFAULTS,
    S_HEADERS,
    S_REQUESTS,
    S_REQUEST,
    S_EXPECT,
    S_SCENARIOS,
    S_SCENARIO,
    S_STAGES,
    S_STAGE,
    S_THRESHOLDS,
    S_THRESHOLD,
    S_MONITOR,
    S_BENCHMARKS,
    S_BENCHMARK,
    S_SCAN,
    S_OUTPUT,
    S_TLS,
    S_COUNT
};

struct field {
    const char *key;
    enum sch child;
};

enum shape {
    SH_VALUE, /* text or a list of text */
    SH_FIXED, /* a map with the keys in fields */
    SH_NAMED, /* a map whose keys the user names (scenarios, headers, scan) */
    SH_LIST   /* a list of child */
};

struct schema {
    enum shape shape;
    const struct field *fields; /* SH_FIXED, NULL-terminated */
    enum sch child;             /* SH_NAMED values, SH_LIST items */
};

static const struct field root_fields[] = {
    {"version", S_LEAF},          {"name", S_LEAF},         {"target", S_LEAF},
    {"defaults", S_DEFAULTS},     {"requests", S_REQUESTS}, {"scenarios", S_SCENARIOS},
    {"thresholds", S_THRESHOLDS}, {"monitor", S_MONITOR},   {"benchmarks", S_BENCHMARKS},
    {"output", S_OUTPUT},         {"tls", S_TLS},           {NULL, 0}};
static const struct field defaults_fields[] = {
    {"headers", S_HEADERS}, {"timeout", S_LEAF}, {"think", S_LEAF}, {NULL, 0}};
static const struct field request_fields[] = {
    {"name", S_LEAF},      {"weight", S_LEAF},     {"method", S_LEAF},
    {"path", S_LEAF},      {"headers", S_HEADERS}, {"body", S_LEAF},
    {"body_file", S_LEAF}, {"expect", S_EXPECT},   {NULL, 0}};
static const struct field expect_fields[] = {
    {"status", S_LEAF}, {"body_contains", S_LEAF}, {NULL, 0}};
static const struct field scenario_fields[] = {{"users", S_LEAF},
                                               {"rate", S_LEAF},
                                               {"duration", S_LEAF},
                                               {"over", S_LEAF},
                                               {"stages", S_STAGES},
                                               {"max_connections", S_LEAF},
                                               {"record", S_LEAF},
                                               {"think", S_LEAF},
                                               {"timeout", S_LEAF},
                                               {"stop_when", S_LEAF},
                                               {NULL, 0}};
static const struct field stage_fields[] = {
    {"users", S_LEAF}, {"rate", S_LEAF}, {"over", S_LEAF}, {"for", S_LEAF}, {NULL, 0}};
static const struct field threshold_fields[] = {
    {"expr", S_LEAF}, {"abort", S_LEAF}, {"abort_after", S_LEAF}, {NULL, 0}};
static const struct field monitor_fields[] = {
    {"pid", S_LEAF},      {"command", S_LEAF}, {"ready", S_LEAF}, {"ready_timeout", S_LEAF},
    {"interval", S_LEAF}, {"gpu", S_LEAF},     {NULL, 0}};
static const struct field benchmark_fields[] = {
    {"name", S_LEAF},   {"command", S_LEAF}, {"scan", S_SCAN},     {"runs", S_LEAF},
    {"warmup", S_LEAF}, {"prepare", S_LEAF}, {"artifact", S_LEAF}, {NULL, 0}};
static const struct field tls_fields[] = {{"insecure", S_LEAF},    {"cacert", S_LEAF},
                                          {"cert", S_LEAF},        {"key", S_LEAF},
                                          {"min_version", S_LEAF}, {NULL, 0}};
static const struct field output_fields[] = {
    {"json", S_LEAF}, {"html", S_LEAF}, {"csv", S_LEAF}, {"markdown", S_LEAF}, {NULL, 0}};

static const struct schema schemas[S_COUNT] = {
    [S_LEAF] = {SH_VALUE, NULL, S_LEAF},
    [S_ROOT] = {SH_FIXED, root_fields, S_LEAF},
    [S_DEFAULTS] = {SH_FIXED, defaults_fields, S_LEAF},
    [S_HEADERS] = {SH_NAMED, NULL, S_LEAF},
    [S_REQUESTS] = {SH_LIST, NULL, S_REQUEST},
    [S_REQUEST] = {SH_FIXED, request_fields, S_LEAF},
    [S_EXPECT] = {SH_FIXED, expect_fields, S_LEAF},
    [S_SCENARIOS] = {SH_NAMED, NULL, S_SCENARIO},
    [S_SCENARIO] = {SH_FIXED, scenario_fields, S_LEAF},
    [S_STAGES] = {SH_LIST, NULL, S_STAGE},
    [S_STAGE] = {SH_FIXED, stage_fields, S_LEAF},
    [S_THRESHOLDS] = {SH_LIST, NULL, S_THRESHOLD},
    [S_THRESHOLD] = {SH_FIXED, threshold_fields, S_LEAF},
    [S_MONITOR] = {SH_FIXED, monitor_fields, S_LEAF},
    [S_BENCHMARKS] = {SH_LIST, NULL, S_BENCHMARK},
    [S_BENCHMARK] = {SH_FIXED, benchmark_fields, S_LEAF},
    [S_SCAN] = {SH_NAMED, NULL, S_LEAF},
    [S_OUTPUT] = {SH_FIXED, output_fields, S_LEAF},
    [S_TLS] = {SH_FIXED, tls_fields, S_LEAF},
};

static const struct field *find_field(enum sch x, const char *key, size_t len)
{
    const struct field *f = schemas[x].fields;
    for (; f && f->key; f++)
        if (strlen(f->key) == len && memcmp(f->key, key, len) == 0)
            return f;
    return NULL;
}

/* ---- Suggestions ---------------------------------------------------------------------- */

/* Edit distance, ignoring case; SIZE_MAX for words too long to bother. */
static size_t edit_distance(const char *a, size_t la, const char *b)
{
    size_t lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The candidate nearest to word[0..len) when close enough to be a likely typo, else NULL. */
static const char *nearest(const char *word, size_t len, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    size_t limit = len < 4 ? 1 : len < 9 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, len, cands[i]);
        size_t lc = strlen(cands[i]);
        /* A prefix of 3 or more letters ("max_conn") is a typo too. */
        if (d > limit && len >= 3 && lc > len && strncasecmp(word, cands[i], len) == 0)
            d = limit;
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

/* "a, b, c" of up to n names into buf. */
static void join_names(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        int w = snprintf(buf + k, size - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (k >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static size_t field_names(enum sch x, const char **out, size_t max)
{
    size_t n = 0;
    for (const struct field *f = schemas[x].fields; f && f->key && n < max; f++)
        out[n++] = f->key;
    return n;
}

/* ---- Loader state and errors ----------------------------------------------------------- */

struct loader {
    const char *file; /* arena copy */
    const char *dir;  /* arena copy or NULL */
    struct lc_scenario_arena *arena;
    struct lc_scenario *s;
    struct lc_yaml_doc *doc;
    struct lc_error *err;
    char path_prefix[2048]; /* the target URL's path without its trailing '/' */
    enum lc_threshold_mode expr_mode;
};

static void locate(struct loader *L, const struct lc_yaml_node *n)
{
    if (n && n->origin)
        lc_error_at(L->err, n->origin, 0, 0);
    else if (n)
        lc_error_at(L->err, L->file, n->line, n->col);
    else
        lc_error_at(L->err, L->file, 0, 0);
}

/* Set a config error at n's position (n NULL: the file only). Returns LC_ECONFIG. */
LC_PRINTF(3, 4)
static int fail(struct loader *L, const struct lc_yaml_node *n, const char *fmt, ...)
{
    if (!L->err)
        return LC_ECONFIG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err->msg, sizeof(L->err->msg), fmt, ap);
    va_end(ap);
    L->err->code = LC_ECONFIG;
    L->err->sys_errno = 0;
    locate(L, n);
    return LC_ECONFIG;
}

static int nomem(struct loader *L)
{
    return lc_error_set(L->err, LC_ENOMEM, "out of memory loading %s", L->file);
}

/* Where n was written, copied into the scenario so that it outlives the YAML tree. */
static int keep_loc(struct loader *L, const struct lc_yaml_node *n, struct lc_scenario_loc *loc)
{
    loc->file = L->file;
    loc->line = 0;
    loc->col = 0;
    if (!n)
        return 0;
    if (n->origin) {
        loc->file = arena_strdup(L->arena, n->origin);
        return loc->file ? 0 : nomem(L);
    }
    loc->line = n->line;
    loc->col = n->col;
    return 0;
}

/* A key's value, or NULL when absent or empty ("key:", "~", "null": the same as leaving it out). */
static const struct lc_yaml_node *get(const struct lc_yaml_node *map, const char *key)
{
    const struct lc_yaml_node *v = lc_yaml_map_get(map, key);
    return v && v->kind != LC_YAML_NULL ? v : NULL;
}

/* The key node of `key` in map (for positions), or the map itself. */
static const struct lc_yaml_node *key_node(const struct lc_yaml_node *map, const char *key)
{
    const struct lc_yaml_pair *p = lc_yaml_map_pair(map, key);
    return p ? p->key : map;
}

/* Every key of map must be in the schema x; `where` names the map in messages. */
static int check_keys(struct loader *L, const struct lc_yaml_node *map, enum sch x,
                      const char *where)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct lc_yaml_node *k = map->pairs[i].key;
        if (find_field(x, k->text, k->len))
            continue;
        const char *names[16] = {0};
        size_t n = field_names(x, names, 16);
        const char *sug = nearest(k->text, k->len, names, n);
        if (sug)
            return fail(L, k, "unknown key '%s' in %s (did you mean '%s'?)", k->text, where, sug);
        char list[256];
        join_names(names, n, list, sizeof(list));
        return fail(L, k, "unknown key '%s' in %s (valid keys: %s)", k->text, where, list);
    }
    return 0;
}

static int want_map(struct loader *L, const struct lc_yaml_node *n, const char *what,
                    const char *example)
{
    if (n->kind == LC_YAML_MAP)
        return 0;
    return fail(L, n, "%s: expected a map (%s), found %s", what, example, lc_yaml_kind_name(n));
}

static int want_list(struct loader *L, const struct lc_yaml_node *n, const char *what,
                     const char *example)
{
    if (n->kind == LC_YAML_SEQ)
        return 0;
    return fail(L, n, "%s: expected a list (%s), found %s", what, example, lc_yaml_kind_name(n));
}

/* Text of a scalar (not copied: it lives as long as the tree). */
static int want_text(struct loader *L, const struct lc_yaml_node *n, const char *what,
                     const char **out)
{
    if (n->kind != LC_YAML_SCALAR)
        return fail(L, n, "%s: expected text, found %s", what, lc_yaml_kind_name(n));
    *out = n->text;
    return 0;
}

/* Text of a scalar copied into the arena; NULL n gives NULL. */
static int keep_text(struct loader *L, const struct lc_yaml_node *n, const char *what,
                     const char **out)
{
    *out = NULL;
    if (!n)
        return 0;
    const char *t = NULL;
    int rc = want_text(L, n, what, &t);
    if (rc)
        return rc;
    *out = arena_memdup(L->arena, t, n->len);
    return *out ? 0 : nomem(L);
}

static int want_bool(struct loader *L, const struct lc_yaml_node *n, const char *what, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", "On"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "off", "Off"};
    if (n->kind == LC_YAML_SCALAR) {
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
            if (strcmp(n->text, yes[i]) == 0) {
                *out = true;
                return 0;
            }
            if (strcmp(n->text, no[i]) == 0) {
                *out = false;
                return 0;
            }
        }
    }
    return fail(L, n, "%s: expected true or false, found %s%s%s%s", what, lc_yaml_kind_name(n),
                n->kind == LC_YAML_SCALAR ? " '" : "", n->kind == LC_YAML_SCALAR ? n->text : "",
                n->kind == LC_YAML_SCALAR ? "'" : "");
}

/* A whole number in [min, max]. */
static int want_uint(struct loader *L, const struct lc_yaml_node *n, const char *what, uint64_t min,
                     uint64_t max, uint64_t *out)
{
    if (n->kind != LC_YAML_SCALAR)
        return fail(L, n, "%s: expected a whole number, found %s", what, lc_yaml_kind_name(n));
    struct lc_error e = {0};
    uint64_t v = 0;
    if (lc_parse_u64(n->text, &v, &e) != 0)
        return fail(L, n, "%s: expected a whole number such as %llu, found '%s'", what,
                    (unsigned long long)(min > 1 ? min : 10), n->text);
    if (v < min || v > max)
        return fail(L, n, "%s: %llu is out of range: write a number from %llu to %llu", what,
                    (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

static int want_duration(struct loader *L, const struct lc_yaml_node *n, const char *what,
                         bool positive, uint64_t *out)
{
    if (n->kind != LC_YAML_SCALAR)
        return fail(L, n, "%s: expected a duration such as 30s or 5m, found %s", what,
                    lc_yaml_kind_name(n));
    struct lc_error e = {0};
    if (lc_parse_duration_ns(n->text, out, &e) != 0)
        return fail(L, n, "%s: %s", what, e.msg);
    if (positive && *out == 0)
        return fail(L, n, "%s: must be longer than 0, e.g. 30s", what);
    return 0;
}

/* "2s", "1s..5s" or "0": think times. */
static int want_think(struct loader *L, const struct lc_yaml_node *n, const char *what,
                      uint64_t *lo, uint64_t *hi)
{
    if (n->kind != LC_YAML_SCALAR)
        return fail(L, n, "%s: expected a duration (2s), a range (1s..5s) or 0, found %s", what,
                    lc_yaml_kind_name(n));
    struct lc_error e = {0};
    if (lc_parse_duration_range(n->text, lo, hi, &e) != 0)
        return fail(L, n, "%s: %s (a fixed pause is 2s, a uniform one 1s..5s)", what, e.msg);
    return 0;
}

/* Names of scenarios, requests, benchmarks: they appear in results, thresholds and --only. */
static int want_name(struct loader *L, const struct lc_yaml_node *n, const char *what,
                     const char **out)
{
    const char *t = NULL;
    int rc = want_text(L, n, what, &t);
    if (rc)
        return rc;
    if (n->len == 0)
        return fail(L, n, "%s: empty name", what);
    if (n->len >= LC_SCENARIO_MAX_NAME)
        return fail(L, n, "%s: name '%.20s...' is longer than %d characters", what, t,
                    LC_SCENARIO_MAX_NAME - 1);
    for (size_t i = 0; i < n->len; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return fail(L, n,
                        "%s: name '%s' has the character '%c': names may use letters, digits, "
                        "'_', '-' and '.' (they appear in thresholds such as 'steady.query: "
                        "p(99) < 1s')",
                        what, t, ch >= ' ' && ch < 0x7f ? ch : '?');
    }
    *out = arena_memdup(L->arena, t, n->len);
    return *out ? 0 : nomem(L);
}

/* ---- Files ------------------------------------------------------------------------------ */

/* Read a regular file whole (at most max bytes) into a malloc'd buffer (NUL-terminated). */
static int read_whole(const char *path, size_t max, char **out, size_t *len, int *sys_errno,
                      const char **why)
{
    *out = NULL;
    *why = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        *sys_errno = errno;
        return -1;
    }
    struct stat st;
    int rc = -1;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        *sys_errno = errno;
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "not a regular file";
        goto done;
    }
    if ((uint64_t)st.st_size > max) {
        *why = "too large";
        goto done;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size + 1);
    if (!buf) {
        *sys_errno = ENOMEM;
        goto done;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *sys_errno = errno;
            goto done;
        }
        if (r == 0)
            break; /* the file shrank: keep what was there */
        got += (size_t)r;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    close(fd);
    return rc;
}

/* ---- Requests ----------------------------------------------------------------------- */

static bool is_token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A headers map into an arena array appended after base[0..nbase) (replacing same names). */
static int load_headers(struct loader *L, const struct lc_yaml_node *map, const char *where,
                        const struct lc_scenario_header *base, size_t nbase,
                        const struct lc_scenario_header **out, size_t *nout)
{
    char what[320];
    snprintf(what, sizeof(what), "'headers' in %s", where);
    if (map && want_map(L, map, what, "e.g. {Content-Type: application/json}") != 0)
        return LC_ECONFIG;
    size_t nown = map ? map->n_pairs : 0;
    struct lc_scenario_header *h = arena_alloc(L->arena, (nbase + nown + 1) * sizeof(*h));
    if (!h)
        return nomem(L);
    size_t n = nbase;
    if (nbase)
        memcpy(h, base, nbase * sizeof(*h));
    for (size_t i = 0; i < nown; i++) {
        const struct lc_yaml_node *k = map->pairs[i].key, *v = map->pairs[i].value;
        for (size_t j = 0; j < k->len; j++)
            if (!is_token_char((unsigned char)k->text[j]))
                return fail(L, k,
                            "header name '%s' in %s has a character not allowed in HTTP header "
                            "names (letters, digits and !#$%%&'*+-.^_`|~ only)",
                            k->text, where);
        if (v->kind != LC_YAML_SCALAR)
            return fail(L, v,
                        "header '%s' in %s: expected text, found %s (an empty value is "
                        "written \"\")",
                        k->text, where, lc_yaml_kind_name(v));
        if (strpbrk(v->text, "\r\n"))
            return fail(L, v, "header '%s' in %s: the value holds a line break", k->text, where);
        const char *name = arena_memdup(L->arena, k->text, k->len);
        const char *value = arena_memdup(L->arena, v->text, v->len);
        if (!name || !value)
            return nomem(L);
        size_t j = 0;
        while (j < n && strcasecmp(h[j].name, name) != 0)
            j++;
        h[j] = (struct lc_scenario_header){name, value};
        if (j == n)
            n++;
    }
    *out = h;
    *nout = n;
    return 0;
}

static int load_expect(struct loader *L, const struct lc_yaml_node *n, const char *where,
                       struct lc_scenario_request *r)
{
    char what[320];
    snprintf(what, sizeof(what), "'expect' in %s", where);
    if (want_map(L, n, what, "e.g. {status: 200, body_contains: ok}") != 0)
        return LC_ECONFIG;
    snprintf(what, sizeof(what), "expect of %s", where);
    int rc = check_keys(L, n, S_EXPECT, what);
    if (rc)
        return rc;
    const struct lc_yaml_node *st = get(n, "status");
    if (st) {
        snprintf(what, sizeof(what), "'status' in expect of %s", where);
        size_t count = st->kind == LC_YAML_SEQ ? st->n_items : 1;
        if (st->kind == LC_YAML_SEQ && count == 0)
            return fail(L, st, "%s: the list is empty: give one status or more, e.g. [200, 204]",
                        what);
        if (count > LC_SCENARIO_MAX_STATUS)
            return fail(L, st, "%s: at most %d statuses", what, LC_SCENARIO_MAX_STATUS);
        for (size_t i = 0; i < count; i++) {
            const struct lc_yaml_node *v = st->kind == LC_YAML_SEQ ? st->items[i] : st;
            uint64_t code = 0;
            if (v->kind == LC_YAML_MAP || (v->kind == LC_YAML_SEQ && v != st))
                return fail(L, v,
                            "%s: expected a status such as 200 or a list [200, 204], found %s",
                            what, lc_yaml_kind_name(v));
            rc = want_uint(L, v, what, 100, 599, &code);
            if (rc)
                return rc;
            r->expect_status[r->n_expect_status++] = (int)code;
        }
    }
    const struct lc_yaml_node *bc = get(n, "body_contains");
    if (bc) {
        snprintf(what, sizeof(what), "'body_contains' in expect of %s", where);
        rc = keep_text(L, bc, what, &r->expect_body_contains);
        if (rc)
            return rc;
        if (!r->expect_body_contains[0])
            return fail(L, bc, "%s: empty text matches every body: give the text to look for",
                        what);
    }
    return 0;
}

static int load_body_file(struct loader *L, const struct lc_yaml_node *n, const char *where,
                          struct lc_scenario_request *r)
{
    char what[320];
    snprintf(what, sizeof(what), "'body_file' in %s", where);
    int rc = keep_text(L, n, what, &r->body_file);
    if (rc)
        return rc;
    if (!r->body_file[0])
        return fail(L, n, "%s: empty path", what);
    if (!L->dir)
        return fail(L, n,
                    "%s: files can be read only by a scenario loaded from a file; use 'body' "
                    "instead",
                    what);
    char path[4096];
    int w = r->body_file[0] == '/' ? snprintf(path, sizeof(path), "%s", r->body_file)
                                   : snprintf(path, sizeof(path), "%s/%s", L->dir, r->body_file);
    if (w < 0 || (size_t)w >= sizeof(path))
        return fail(L, n, "%s: the path is too long", what);
    char *buf;
    size_t len;
    int e = 0;
    const char *why;
    if (read_whole(path, LC_SCENARIO_MAX_BODY_BYTES, &buf, &len, &e, &why) != 0) {
        if (e == ENOMEM)
            return nomem(L);
        rc = fail(L, n,
                  "%s: cannot read '%s': %s (a relative path starts from the scenario file's "
                  "directory)",
                  what, path,
                  why && strcmp(why, "too large") == 0 ? "larger than 64 MB"
                  : why                                ? why
                                                       : strerror(e));
        if (L->err)
            L->err->sys_errno = e;
        return rc;
    }
    r->body = arena_memdup(L->arena, buf, len);
    r->body_len = len;
    free(buf);
    return r->body ? 0 : nomem(L);
}

static int load_request(struct loader *L, const struct lc_yaml_node *n, size_t index,
                        struct lc_scenario_request *r)
{
    char where[160], what[320];
    if (n->kind != LC_YAML_MAP)
        return fail(L, n,
                    "requests.%zu: expected a map such as {name: query, path: /query}, "
                    "found %s",
                    index, lc_yaml_kind_name(n));
    const struct lc_yaml_node *name = get(n, "name");
    if (!name)
        return fail(L, n,
                    "requests.%zu has no name: add 'name: NAME' (names appear in results and "
                    "thresholds)",
                    index);
    snprintf(what, sizeof(what), "'name' of requests.%zu", index);
    int rc = want_name(L, name, what, &r->name);
    if (rc)
        return rc;
    snprintf(where, sizeof(where), "request '%s'", r->name);
    rc = check_keys(L, n, S_REQUEST, where);
    if (rc == 0)
        rc = keep_loc(L, n, &r->loc);
    if (rc)
        return rc;

    r->weight = 1;
    const struct lc_yaml_node *v = get(n, "weight");
    if (v) {
        snprintf(what, sizeof(what), "'weight' in %s", where);
        struct lc_error e = {0};
        if (v->kind != LC_YAML_SCALAR || lc_parse_double(v->text, &r->weight, &e) != 0)
            return fail(L, v, "%s: expected a number such as 4 or 0.5, found %s%s%s%s", what,
                        lc_yaml_kind_name(v), v->kind == LC_YAML_SCALAR ? " '" : "",
                        v->kind == LC_YAML_SCALAR ? v->text : "",
                        v->kind == LC_YAML_SCALAR ? "'" : "");
        if (!(r->weight >= 0) || r->weight > 1e9)
            return fail(L, v,
                        "%s: %s is out of range: a weight is a share of the mix from 0 (never "
                        "sent) to 1e9",
                        what, v->text);
    }

    const struct lc_yaml_node *body = get(n, "body"), *body_file = get(n, "body_file");
    if (body && body_file)
        return fail(L, key_node(n, "body_file"),
                    "%s has both body and body_file: keep one (body is the text itself, "
                    "body_file a file to read it from)",
                    where);
    if (body) {
        snprintf(what, sizeof(what), "'body' in %s", where);
        if (body->kind != LC_YAML_SCALAR)
            return fail(L, body,
                        "%s: expected text, found %s (write JSON in quotes: body: '{\"q\": 1}')",
                        what, lc_yaml_kind_name(body));
        rc = keep_text(L, body, what, &r->body);
        if (rc)
            return rc;
        r->body_len = body->len;
    } else if (body_file) {
        rc = load_body_file(L, body_file, where, r);
        if (rc)
            return rc;
    }

    v = get(n, "method");
    r->method = r->body ? "POST" : "GET";
    if (v) {
        snprintf(what, sizeof(what), "'method' in %s", where);
        rc = keep_text(L, v, what, &r->method);
        if (rc)
            return rc;
        if (v->len == 0 || v->len > 31)
            return fail(L, v, "%s: expected a method such as GET or POST", what);
        for (size_t i = 0; i < v->len; i++) {
            unsigned char ch = (unsigned char)v->text[i];
            if (ch >= 'a' && ch <= 'z') {
                char up[32];
                for (size_t j = 0; j <= v->len; j++)
                    up[j] = (char)toupper((unsigned char)v->text[j]);
                return fail(L, v, "%s: methods are upper case: write '%s'", what, up);
            }
            if (!is_token_char(ch))
                return fail(L, v, "%s: '%s' is not a method name (letters only, e.g. GET)", what,
                            v->text);
        }
    }

    r->path = "/";
    v = get(n, "path");
    if (v) {
        snprintf(what, sizeof(what), "'path' in %s", where);
        rc = keep_text(L, v, what, &r->path);
        if (rc)
            return rc;
        if (r->path[0] != '/')
            return fail(L, v, "%s: '%s' must start with '/', e.g. /%s", what, r->path, r->path);
        for (const char *c = r->path; *c; c++)
            if ((unsigned char)*c <= ' ' || *c == 0x7f)
                return fail(L, v,
                            "%s: the path has a space or control character (percent-encode it: "
                            "%%20)",
                            what);
    }
    size_t plen = strlen(L->path_prefix), rlen = strlen(r->path);
    char *t = arena_alloc(L->arena, plen + rlen + 1);
    if (!t)
        return nomem(L);
    memcpy(t, L->path_prefix, plen);
    memcpy(t + plen, r->path, rlen);
    r->target = t;

    rc = load_headers(L, get(n, "headers"), where, L->s->default_headers, L->s->n_default_headers,
                      &r->headers, &r->n_headers);
    if (rc)
        return rc;
    v = get(n, "expect");
    if (v)
        rc = load_expect(L, v, where, r);
    return rc;
}

static int load_requests(struct loader *L, const struct lc_yaml_node *n)
{
    int rc = want_list(L, n, "'requests'", "items like - {name: query, path: /query}");
    if (rc)
        return rc;
    if (n->n_items == 0)
        return fail(L, n, "'requests' is empty: add at least one, e.g. - {name: home, path: /}");
    struct lc_scenario_request *r = arena_alloc(L->arena, n->n_items * sizeof(*r));
    if (!r)
        return nomem(L);
    double sum = 0;
    for (size_t i = 0; i < n->n_items; i++) {
        rc = load_request(L, n->items[i], i, &r[i]);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(r[j].name, r[i].name) == 0)
                return fail(L, get(n->items[i], "name"),
                            "duplicate request name '%s' (also requests.%zu, line %u): names "
                            "must be unique, they label the results",
                            r[i].name, j, r[j].loc.line);
        sum += r[i].weight;
    }
    if (!(sum > 0))
        return fail(L, n,
                    "the weights of all requests sum to 0: nothing would be sent; give at least "
                    "one request a weight above 0");
    L->s->requests = r;
    L->s->n_requests = n->n_items;
    return 0;
}

/* ---- Scenarios (phases) ------------------------------------------------------------- */

/* A level: users (whole, 0..max) or a rate ("200/s", "0" only when zero is allowed). */
static int parse_level(struct loader *L, const struct lc_yaml_node *n, bool users, bool allow_zero,
                       const char *text, const char *what, double *out)
{
    struct lc_error e = {0};
    if (users) {
        uint64_t u = 0;
        if (lc_parse_u64(text, &u, &e) != 0)
            return fail(L, n, "%s: expected a whole number of users such as 50, found '%s'", what,
                        text);
        if (u > LC_SCENARIO_MAX_USERS)
            return fail(L, n, "%s: %llu users is more than the %d loadcell runs", what,
                        (unsigned long long)u, LC_SCENARIO_MAX_USERS);
        if (u == 0 && !allow_zero)
            return fail(L, n, "%s: needs at least 1 user", what);
        *out = (double)u;
        return 0;
    }
    if (allow_zero && strcmp(text, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (lc_parse_rate(text, out, &e) != 0)
        return fail(L, n, "%s: %s", what, e.msg);
    if (*out > LC_SCENARIO_MAX_RATE)
        return fail(L, n, "%s: '%s' is more than %.0f requests per second", what, text,
                    LC_SCENARIO_MAX_RATE);
    return 0;
}

/* A level or a range "LO..HI" (is_range tells which; LO <= HI). */
static int parse_level_range(struct loader *L, const struct lc_yaml_node *n, bool users,
                             const char *what, double *lo, double *hi, bool *is_range)
{
    if (n->kind != LC_YAML_SCALAR)
        return fail(L, n, "%s: expected %s, found %s", what,
                    users ? "a number of users such as 50" : "a rate such as 200/s",
                    lc_yaml_kind_name(n));
    const char *dots = strstr(n->text, "..");
    *is_range = dots != NULL;
    if (!dots) {
        int rc = parse_level(L, n, users, false, n->text, what, lo);
        *hi = *lo;
        return rc;
    }
    char a[64], b[64];
    size_t alen = (size_t)(dots - n->text);
    if (alen >= sizeof(a) || strlen(dots + 2) >= sizeof(b))
        return fail(L, n, "%s: '%s' is too long", what, n->text);
    memcpy(a, n->text, alen);
    a[alen] = '\0';
    snprintf(b, sizeof(b), "%s", dots + 2);
    int rc = parse_level(L, n, users, true, a, what, lo);
    if (rc == 0)
        rc = parse_level(L, n, users, false, b, what, hi);
    if (rc == 0 && *lo > *hi)
        return fail(L, n,
                    "%s: the range '%s' runs backwards: write LO..HI (to ramp down, use stages)",
                    what, n->text);
    return rc;
}

static int add_duration(struct loader *L, const struct lc_yaml_node *n, const char *pname,
                        uint64_t *total, uint64_t d)
{
    if (d > UINT64_MAX / 4 - *total)
        return fail(L, n, "scenario '%s' is too long: keep it under a few centuries", pname);
    *total += d;
    return 0;
}

static int load_stages(struct loader *L, const struct lc_yaml_node *list, const char *pname,
                       struct lc_scenario_phase *ph)
{
    char what[320];
    snprintf(what, sizeof(what), "'stages' of scenario '%s'", pname);
    int rc = want_list(L, list, what, "items like - {users: 50, over: 1m}");
    if (rc)
        return rc;
    if (list->n_items == 0)
        return fail(L, list,
                    "%s: the list is empty: add stages like - {users: 50, over: 1m} (ramp) and - "
                    "{users: 50, for: 5m} (hold)",
                    what);
    struct lc_scenario_stage *st = arena_alloc(L->arena, list->n_items * sizeof(*st));
    if (!st)
        return nomem(L);
    double level = 0;
    bool users_model = false;
    const char *first_kind = NULL;
    for (size_t i = 0; i < list->n_items; i++) {
        const struct lc_yaml_node *n = list->items[i];
        char where[160];
        snprintf(where, sizeof(where), "scenarios.%s.stages.%zu", pname, i);
        if (n->kind != LC_YAML_MAP)
            return fail(L, n,
                        "%s: expected a map like {users: 50, over: 1m} (ramp) or {users: 50, "
                        "for: 5m} (hold), found %s",
                        where, lc_yaml_kind_name(n));
        rc = check_keys(L, n, S_STAGE, where);
        if (rc)
            return rc;
        const struct lc_yaml_node *u = get(n, "users"), *r = get(n, "rate"), *o = get(n, "over"),
                                  *f = get(n, "for");
        if (u && r)
            return fail(L, key_node(n, "rate"),
                        "%s has both users and rate: a stage sets one level (users for the "
                        "closed model, rate for the open model)",
                        where);
        if (o && f)
            return fail(L, key_node(n, "for"),
                        "%s has both over (a ramp) and for (a hold): keep one; for a ramp then "
                        "a hold, write two stages",
                        where);
        if (!o && !f)
            return fail(L, n,
                        "%s needs a time: over: D ramps to its level, for: D holds it (e.g. "
                        "{users: 50, over: 1m})",
                        where);
        if (!u && !r)
            return fail(L, key_node(n, o ? "over" : "for"),
                        o ? "%s ramps ('over') without a target level: add users: N (closed "
                            "model) or rate: R/s (open model)"
                          : "%s holds ('for') without a level: add users: N (closed model) or "
                            "rate: R/s (open model)",
                        where);
        const char *kind = u ? "users" : "rate";
        if (!first_kind) {
            first_kind = kind;
            users_model = u != NULL;
        } else if (strcmp(first_kind, kind) != 0) {
            return fail(L, key_node(n, kind),
                        "stages of scenario '%s' mix users and rate: stages.0 sets %s, stages.%zu "
                        "sets %s; a scenario is either closed (users) or open (rate)",
                        pname, first_kind, i, kind);
        }
        const struct lc_yaml_node *lv = u ? u : r;
        char lwhat[320];
        snprintf(lwhat, sizeof(lwhat), "'%s' in %s", kind, where);
        if (lv->kind != LC_YAML_SCALAR)
            return fail(L, lv, "%s: expected %s, found %s", lwhat,
                        u ? "a number of users such as 50" : "a rate such as 200/s",
                        lc_yaml_kind_name(lv));
        if (strstr(lv->text, ".."))
            return fail(L, lv,
                        "%s: a stage names one level ('%s' is a range); a ramp starts from the "
                        "previous stage's level",
                        lwhat, lv->text);
        double target = 0;
        rc = parse_level(L, lv, u != NULL, true, lv->text, lwhat, &target);
        if (rc)
            return rc;
        const struct lc_yaml_node *tv = o ? o : f;
        snprintf(lwhat, sizeof(lwhat), "'%s' in %s", o ? "over" : "for", where);
        uint64_t d = 0;
        rc = want_duration(L, tv, lwhat, true, &d);
        if (rc == 0)
            rc = add_duration(L, tv, pname, &ph->duration_ns, d);
        if (rc == 0)
            rc = keep_loc(L, n, &st[i].loc);
        if (rc)
            return rc;
        st[i].kind = o ? LC_SCENARIO_RAMP : LC_SCENARIO_HOLD;
        st[i].from = o ? level : target;
        st[i].target = target;
        st[i].duration_ns = d;
        level = target;
        if (target > ph->peak)
            ph->peak = target;
        if (st[i].from > ph->peak)
            ph->peak = st[i].from;
    }
    ph->model = users_model ? LC_SCENARIO_CLOSED : LC_SCENARIO_OPEN;
    ph->stages = st;
    ph->n_stages = list->n_items;
    return 0;
}

/* A phase without stages: {users|rate, duration} holds, {users|rate, over} ramps. */
static int load_simple_phase(struct loader *L, const struct lc_yaml_node *map,
                             const struct lc_yaml_node *key, struct lc_scenario_phase *ph)
{
    const char *pname = ph->name;
    const struct lc_yaml_node *u = get(map, "users"), *r = get(map, "rate"),
                              *d = get(map, "duration"), *o = get(map, "over");
    if (u && r)
        return fail(L, key_node(map, "rate"),
                    "scenario '%s' has both users and rate: users is the closed model (N users "
                    "each sending, awaiting, thinking), rate the open model (arrivals per "
                    "second); keep one",
                    pname);
    if (!u && !r) {
        if (o)
            return fail(L, key_node(map, "over"),
                        "scenario '%s' ramps ('over') without a target level: add users: N "
                        "(closed model) or rate: LO..HI (open model)",
                        pname);
        return fail(L, key,
                    "scenario '%s' sets no load: give users and duration (closed model), rate "
                    "and duration (open model), stages, or rate: LO..HI with over (a "
                    "breakpoint search)",
                    pname);
    }
    if (d && o)
        return fail(L, key_node(map, "over"),
                    "scenario '%s' has both duration and over: duration holds one level, over "
                    "ramps to it; keep one",
                    pname);
    if (!d && !o)
        return fail(L, key,
                    "scenario '%s' has no duration: add duration: D (e.g. 5m), or over: D to "
                    "ramp",
                    pname);
    const struct lc_yaml_node *lv = u ? u : r;
    char what[320];
    snprintf(what, sizeof(what), "'%s' in scenario '%s'", u ? "users" : "rate", pname);
    double lo = 0, hi = 0;
    bool range = false;
    int rc = parse_level_range(L, lv, u != NULL, what, &lo, &hi, &range);
    if (rc)
        return rc;
    if (d && range)
        return fail(L, lv,
                    "%s: the range '%s' ramps, which needs over: D instead of duration: D "
                    "(duration holds one level)",
                    what, lv->text);
    snprintf(what, sizeof(what), "'%s' in scenario '%s'", d ? "duration" : "over", pname);
    uint64_t ns = 0;
    rc = want_duration(L, d ? d : o, what, true, &ns);
    if (rc == 0)
        rc = add_duration(L, d ? d : o, pname, &ph->duration_ns, ns);
    if (rc)
        return rc;
    struct lc_scenario_stage *st = arena_alloc(L->arena, sizeof(*st));
    if (!st)
        return nomem(L);
    rc = keep_loc(L, lv, &st->loc);
    if (rc)
        return rc;
    st->kind = d || lo == hi ? LC_SCENARIO_HOLD : LC_SCENARIO_RAMP;
    st->from = d ? lo : range ? lo : 0;
    st->target = hi;
    st->duration_ns = ns;
    if (!d && !range)
        st->kind = LC_SCENARIO_RAMP; /* {users: 50, over: 1m}: from 0 */
    ph->stages = st;
    ph->n_stages = 1;
    ph->peak = hi;
    ph->model = u ? LC_SCENARIO_CLOSED : LC_SCENARIO_OPEN;
    return 0;
}

static int load_phase(struct loader *L, const struct lc_yaml_node *key,
                      const struct lc_yaml_node *map, struct lc_scenario_phase *ph)
{
    int rc = want_name(L, key, "scenario name", &ph->name);
    if (rc)
        return rc;
    char where[160], what[320];
    snprintf(where, sizeof(where), "scenario '%s'", ph->name);
    if (map->kind != LC_YAML_MAP)
        return fail(L, map, "%s: expected a map such as {users: 5, duration: 10m}, found %s%s%s%s",
                    where, lc_yaml_kind_name(map), map->kind == LC_YAML_SCALAR ? " '" : "",
                    map->kind == LC_YAML_SCALAR ? map->text : "",
                    map->kind == LC_YAML_SCALAR ? "'" : "");
    rc = check_keys(L, map, S_SCENARIO, where);
    if (rc == 0)
        rc = keep_loc(L, key, &ph->loc);
    if (rc)
        return rc;
    const struct lc_yaml_node *stages = get(map, "stages");
    if (stages) {
        static const char *const clash[] = {"users", "rate", "duration", "over"};
        for (size_t i = 0; i < 4; i++)
            if (get(map, clash[i]))
                return fail(L, key_node(map, clash[i]),
                            "%s has both stages and '%s': with stages, each stage sets the level "
                            "(users or rate) and its time (over or for); move '%s' into the "
                            "stages or drop it",
                            where, clash[i], clash[i]);
        rc = load_stages(L, stages, ph->name, ph);
    } else {
        rc = load_simple_phase(L, map, key, ph);
    }
    if (rc)
        return rc;
    if (!(ph->peak > 0))
        return fail(L, key, "%s never puts any load: every level is 0", where);
    if (ph->duration_ns == 0)
        return fail(L, key, "%s lasts 0 s", where);

    ph->record = true;
    const struct lc_yaml_node *v = get(map, "record");
    if (v) {
        snprintf(what, sizeof(what), "'record' in %s", where);
        rc = want_bool(L, v, what, &ph->record);
        if (rc)
            return rc;
    }
    ph->timeout_ns = L->s->timeout_ns;
    v = get(map, "timeout");
    if (v) {
        snprintf(what, sizeof(what), "'timeout' in %s", where);
        rc = want_duration(L, v, what, true, &ph->timeout_ns);
        if (rc)
            return rc;
    }
    ph->think_min_ns = L->s->think_min_ns;
    ph->think_max_ns = L->s->think_max_ns;
    v = get(map, "think");
    if (v) {
        if (ph->model == LC_SCENARIO_OPEN)
            return fail(L, key_node(map, "think"),
                        "%s: think applies to the closed model (users); in the open model the "
                        "rate alone sets when requests start: drop think",
                        where);
        snprintf(what, sizeof(what), "'think' in %s", where);
        rc = want_think(L, v, what, &ph->think_min_ns, &ph->think_max_ns);
        if (rc)
            return rc;
    }
    if (ph->model == LC_SCENARIO_OPEN) {
        ph->think_min_ns = ph->think_max_ns = 0;
        uint64_t mc = LC_SCENARIO_DEFAULT_OPEN_CONNECTIONS;
        v = get(map, "max_connections");
        if (v) {
            snprintf(what, sizeof(what), "'max_connections' in %s", where);
            rc = want_uint(L, v, what, 1, LC_SCENARIO_MAX_CONNECTIONS, &mc);
            if (rc)
                return rc;
        }
        ph->connections = (uint32_t)mc;
    } else {
        if (get(map, "max_connections"))
            return fail(L, key_node(map, "max_connections"),
                        "%s: max_connections applies to the open model (rate); a closed "
                        "scenario opens one connection per user",
                        where);
        ph->connections = (uint32_t)ceil(ph->peak);
    }
    v = get(map, "stop_when");
    if (v) {
        snprintf(what, sizeof(what), "'stop_when' in %s", where);
        rc = keep_text(L, v, what, &ph->stop_when.text);
        if (rc == 0)
            rc = keep_loc(L, v, &ph->stop_when.loc);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_scenarios(struct loader *L, const struct lc_yaml_node *n)
{
    int rc = want_map(L, n, "'scenarios'",
                      "names mapped to loads, e.g. steady: {users: 5, "
                      "duration: 10m}");
    if (rc)
        return rc;
    if (n->n_pairs == 0)
        return fail(L, n, "'scenarios' is empty: add one, e.g. steady: {users: 5, duration: 10m}");
    struct lc_scenario_phase *ph = arena_alloc(L->arena, n->n_pairs * sizeof(*ph));
    if (!ph)
        return nomem(L);
    for (size_t i = 0; i < n->n_pairs; i++) {
        rc = load_phase(L, n->pairs[i].key, n->pairs[i].value, &ph[i]);
        if (rc)
            return rc;
    }
    L->s->phases = ph;
    L->s->n_phases = n->n_pairs;
    return 0;
}

/* ---- Thresholds, monitor, benchmarks, output -------------------------------------- */

/* Point the error at the 1-based column `col` of n's text, when columns map into it. */
static void point_into(struct loader *L, const struct lc_yaml_node *n, unsigned col)
{
    if (L->err && n && !n->origin && n->single_line && col > 0)
        L->err->col = n->col + (n->quoted ? 1u : 0u) + col - 1;
}

static bool has_name(const char *a, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(a, name, n) == 0;
}

/* Is a[0..n) a scenario, a request, "scenario.request" or a benchmark of this file? */
static bool known_scope(const struct lc_scenario *s, const char *a, size_t n, size_t *phase_len)
{
    *phase_len = 0;
    for (size_t i = 0; i < s->n_phases; i++)
        if (has_name(a, n, s->phases[i].name))
            return true;
    for (size_t i = 0; i < s->n_requests; i++)
        if (has_name(a, n, s->requests[i].name))
            return true;
    for (size_t i = 0; i < s->n_benchmarks; i++)
        if (has_name(a, n, s->benchmarks[i].name))
            return true;
    for (const char *dot = memchr(a, '.', n); dot;
         dot = memchr(dot + 1, '.', n - (size_t)(dot + 1 - a))) {
        size_t left = (size_t)(dot - a);
        for (size_t i = 0; i < s->n_phases; i++) {
            if (!has_name(a, left, s->phases[i].name))
                continue;
            *phase_len = left;
            for (size_t j = 0; j < s->n_requests; j++)
                if (has_name(dot + 1, n - left - 1, s->requests[j].name))
                    return true;
        }
        if (dot + 1 >= a + n)
            break;
    }
    return false;
}

/*
 * Every scope of an expression (the text before ':' in each comparison) must
 * name something in this file, so that a typo fails now rather than after the run.
 */
static int check_scopes(struct loader *L, const struct lc_yaml_node *n, const char *text,
                        const char *what)
{
    const struct lc_scenario *s = L->s;
    for (const char *p = text; *p;) {
        size_t term = strcspn(p, "&|()");
        const char *colon = memchr(p, ':', term);
        const char *a = p, *b = colon;
        while (colon && a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (colon && b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t phase_len;
        if (colon && !known_scope(s, a, (size_t)(b - a), &phase_len)) {
            const char *names[256] = {0};
            size_t k = 0;
            const char *sug;
            if (phase_len) { /* "steady.qeury": the request part is wrong */
                for (size_t j = 0; j < s->n_requests && k < 256; j++)
                    names[k++] = s->requests[j].name;
                sug = nearest(a + phase_len + 1, (size_t)(b - a) - phase_len - 1, names, k);
            } else {
                for (size_t j = 0; j < s->n_phases && k < 256; j++)
                    names[k++] = s->phases[j].name;
                for (size_t j = 0; j < s->n_requests && k < 256; j++)
                    names[k++] = s->requests[j].name;
                for (size_t j = 0; j < s->n_benchmarks && k < 256; j++)
                    names[k++] = s->benchmarks[j].name;
                sug = nearest(a, (size_t)(b - a), names, k);
            }
            char hint[160] = "";
            if (sug)
                snprintf(hint, sizeof(hint), " (did you mean '%s%.*s%s'?)", phase_len ? "" : sug,
                         (int)(phase_len ? phase_len + 1 : 0), a, phase_len ? sug : "");
            int rc = fail(L, n,
                          "%s: unknown scope '%.*s'%s: a scope names a scenario, a request, "
                          "scenario.request or a benchmark of this file",
                          what, (int)(b - a), a, hint);
            point_into(L, n, (unsigned)(a - text) + 1);
            return rc;
        }
        p += term;
        while (*p && strchr("&|()", *p))
            p++;
    }
    return 0;
}

/* Validate an expression with the threshold parser; a bad one is reported at its column. */
static int check_expr(struct loader *L, const struct lc_yaml_node *n, const char *text,
                      const char *what)
{
    struct lc_threshold *t = NULL;
    struct lc_error e = {0};
    int rc = lc_threshold_parse(text, L->expr_mode, &t, &e);
    if (rc == 0) {
        lc_threshold_free(t);
        return check_scopes(L, n, text, what);
    }
    if (rc == LC_ENOMEM)
        return nomem(L);
    rc = fail(L, n, "%s: %s (the expression language: docs/thresholds.md)", what, e.msg);
    point_into(L, n, e.col);
    return rc;
}

static int load_thresholds(struct loader *L, const struct lc_yaml_node *n)
{
    int rc = want_list(L, n, "'thresholds'", "items like - \"p(99) < 300ms\"");
    if (rc)
        return rc;
    struct lc_scenario_expr *x = arena_alloc(L->arena, (n->n_items + 1) * sizeof(*x));
    if (!x)
        return nomem(L);
    for (size_t i = 0; i < n->n_items; i++) {
        const struct lc_yaml_node *item = n->items[i], *text = item;
        char what[64];
        snprintf(what, sizeof(what), "thresholds.%zu", i);
        if (item->kind == LC_YAML_MAP) {
            rc = check_keys(L, item, S_THRESHOLD, what);
            if (rc)
                return rc;
            text = get(item, "expr");
            if (!text)
                return fail(L, item, "%s has no expr: write {expr: \"p(99) < 2s\", abort: true}",
                            what);
            const struct lc_yaml_node *ab = get(item, "abort");
            if (ab) {
                char w2[320];
                snprintf(w2, sizeof(w2), "'abort' in %s", what);
                rc = want_bool(L, ab, w2, &x[i].abort);
                if (rc)
                    return rc;
            }
            x[i].abort_after_ns = LC_SCENARIO_DEFAULT_ABORT_AFTER_NS;
            const struct lc_yaml_node *after = get(item, "abort_after");
            if (after) {
                char w2[320];
                snprintf(w2, sizeof(w2), "'abort_after' in %s", what);
                rc = want_duration(L, after, w2, false, &x[i].abort_after_ns);
                if (rc)
                    return rc;
                if (!x[i].abort)
                    return fail(L, after,
                                "%s: abort_after applies to an abort threshold only: add abort: "
                                "true or drop abort_after",
                                w2);
            }
        } else if (item->kind != LC_YAML_SCALAR) {
            return fail(L, item,
                        "%s: expected an expression in quotes (\"p(99) < 2s\") or {expr: ..., "
                        "abort: true}, found %s",
                        what, lc_yaml_kind_name(item));
        }
        rc = keep_text(L, text, what, &x[i].text);
        if (rc == 0)
            rc = keep_loc(L, text, &x[i].loc);
        if (rc)
            return rc;
    }
    L->s->thresholds = x;
    L->s->n_thresholds = n->n_items;
    return 0;
}

static int want_url(struct loader *L, const struct lc_yaml_node *n, const char *what,
                    const char **out, struct lc_url *url)
{
    int rc = keep_text(L, n, what, out);
    if (rc)
        return rc;
    struct lc_error e = {0};
    if (lc_url_parse(*out, url, &e) != 0)
        return fail(L, n, "%s: %s", what, e.msg);
    return 0;
}

static int load_monitor(struct loader *L, const struct lc_yaml_node *n)
{
    struct lc_scenario_monitor *m = &L->s->monitor;
    int rc = want_map(L, n, "'monitor'", "e.g. {pid: 1234} or {command: \"./server\"}");
    if (rc == 0)
        rc = check_keys(L, n, S_MONITOR, "monitor");
    if (rc == 0)
        rc = keep_loc(L, n, &m->loc);
    if (rc)
        return rc;
    m->present = true;
    m->interval_ns = LC_SCENARIO_DEFAULT_INTERVAL_NS;
    m->ready_timeout_ns = LC_SCENARIO_DEFAULT_READY_TIMEOUT_NS;
    const struct lc_yaml_node *pid = get(n, "pid"), *cmd = get(n, "command");
    if (pid && cmd)
        return fail(L, key_node(n, "command"),
                    "monitor has both pid and command: watch a running process (pid) or start "
                    "one (command), not both");
    if (!pid && !cmd)
        return fail(L, n,
                    "monitor needs pid: N (a running process and its children) or command: CMD "
                    "(started, watched and stopped by loadcell)");
    if (pid) {
        uint64_t v = 0;
        rc = want_uint(L, pid, "'pid' in monitor", 1, INT32_MAX, &v);
        if (rc)
            return rc;
        m->pid = (int64_t)v;
    } else {
        rc = keep_text(L, cmd, "'command' in monitor", &m->command);
        if (rc)
            return rc;
        if (!m->command[0])
            return fail(L, cmd, "'command' in monitor: empty command");
    }
    const struct lc_yaml_node *v = get(n, "ready");
    struct lc_url url;
    if (v && (rc = want_url(L, v, "'ready' in monitor", &m->ready, &url)) != 0)
        return rc;
    v = get(n, "ready_timeout");
    if (v &&
        (rc = want_duration(L, v, "'ready_timeout' in monitor", true, &m->ready_timeout_ns)) != 0)
        return rc;
    v = get(n, "interval");
    if (v && (rc = want_duration(L, v, "'interval' in monitor", true, &m->interval_ns)) != 0)
        return rc;
    v = get(n, "gpu");
    if (v) {
        static const char *const modes[] = {"auto", "required", "off"};
        const char *t = NULL;
        rc = want_text(L, v, "'gpu' in monitor", &t);
        if (rc)
            return rc;
        size_t i = 0;
        while (i < 3 && strcmp(t, modes[i]) != 0)
            i++;
        if (i == 3) {
            /* YAML's plain false/no reads as text here: accept them as off. */
            if (strcmp(t, "false") == 0 || strcmp(t, "no") == 0)
                i = 2;
            else
                return fail(L, v, "'gpu' in monitor: '%s' is not auto, required or off", t);
        }
        m->gpu = (enum lc_scenario_gpu)i;
    }
    return 0;
}

/* A PEM file named in `tls:`: relative to the scenario's directory, and readable now. */
static int tls_file(struct loader *L, const struct lc_yaml_node *n, const char *key,
                    const char **out)
{
    char what[64];
    snprintf(what, sizeof(what), "'%s' in tls", key);
    const char *text = NULL;
    int rc = keep_text(L, n, what, &text);
    if (rc)
        return rc;
    if (!text[0])
        return fail(L, n, "%s: empty path", what);
    if (!L->dir && text[0] != '/')
        return fail(L, n, "%s: a relative path needs a scenario loaded from a file", what);
    char path[4096];
    int w = text[0] == '/' ? snprintf(path, sizeof(path), "%s", text)
                           : snprintf(path, sizeof(path), "%s/%s", L->dir, text);
    if (w < 0 || (size_t)w >= sizeof(path))
        return fail(L, n, "%s: the path is too long", what);
    if (access(path, R_OK) != 0)
        return fail(L, n,
                    "%s: cannot read '%s': %s (a relative path starts from the scenario file's "
                    "directory)",
                    what, path, strerror(errno));
    *out = arena_strdup(L->arena, path);
    return *out ? 0 : nomem(L);
}

/* `tls:` - client TLS options for an https:// target. */
static int load_tls(struct loader *L, const struct lc_yaml_node *n)
{
    struct lc_scenario_tls *t = &L->s->tls;
    int rc = want_map(L, n, "'tls'", "e.g. {cacert: ca.pem} or {insecure: true}");
    if (rc == 0)
        rc = check_keys(L, n, S_TLS, "tls");
    if (rc == 0)
        rc = keep_loc(L, n, &t->loc);
    if (rc)
        return rc;
    t->present = true;
    if (!L->s->target || strncmp(L->s->target, "https://", 8) != 0)
        return fail(L, n, "'tls' applies to an https:// target, and 'target' is %s",
                    L->s->target ? L->s->target : "missing");
    const struct lc_yaml_node *v = get(n, "insecure");
    if (v && (rc = want_bool(L, v, "'insecure' in tls", &t->insecure)) != 0)
        return rc;
    if ((v = get(n, "cacert")) && (rc = tls_file(L, v, "cacert", &t->cacert)) != 0)
        return rc;
    if ((v = get(n, "cert")) && (rc = tls_file(L, v, "cert", &t->cert)) != 0)
        return rc;
    if ((v = get(n, "key")) && (rc = tls_file(L, v, "key", &t->key)) != 0)
        return rc;
    if ((v = get(n, "min_version"))) {
        const char *text = NULL;
        struct lc_error e = {0};
        if ((rc = want_text(L, v, "'min_version' in tls", &text)) != 0)
            return rc;
        if (lc_tls_version_parse(text, &t->min_version, &e) != 0)
            return fail(L, v, "'min_version' in tls: '%s' is not 1.2 or 1.3", text);
    }
    if (t->insecure && t->cacert)
        return fail(L, key_node(n, "cacert"),
                    "tls has both insecure: true and cacert: verify with the CA file, or skip "
                    "verification, not both");
    if (t->cert && !t->key)
        return fail(L, key_node(n, "cert"), "tls has cert but no key: add key: FILE (PEM)");
    if (t->key && !t->cert)
        return fail(L, key_node(n, "key"), "tls has key but no cert: add cert: FILE (PEM)");
    return 0;
}

static bool is_param_name(const char *s, size_t n)
{
    if (n == 0 || n >= LC_BENCH_MAX_PARAM_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

static int load_scan(struct loader *L, const struct lc_yaml_node *n, const char *where,
                     struct lc_scenario_benchmark *b)
{
    char what[320];
    snprintf(what, sizeof(what), "'scan' in %s", where);
    int rc = want_map(L, n, what, "parameters and their values, e.g. {n: [100, 1000]}");
    if (rc)
        return rc;
    struct lc_scenario_scan *sc = arena_alloc(L->arena, (n->n_pairs + 1) * sizeof(*sc));
    if (!sc)
        return nomem(L);
    for (size_t i = 0; i < n->n_pairs; i++) {
        const struct lc_yaml_node *k = n->pairs[i].key, *v = n->pairs[i].value;
        if (!is_param_name(k->text, k->len))
            return fail(L, k,
                        "%s: '%s' is not a parameter name (a letter or '_', then letters, digits "
                        "or '_'; the command uses it as {%s})",
                        what, k->text, k->text);
        sc[i].name = arena_memdup(L->arena, k->text, k->len);
        if (!sc[i].name)
            return nomem(L);
        snprintf(what, sizeof(what), "scan '%s' in %s", k->text, where);
        if (v->kind == LC_YAML_SEQ) {
            if (v->n_items == 0 || v->n_items > LC_BENCH_MAX_SCAN_VALUES)
                return fail(L, v, "%s: give 1 to %d values", what, LC_BENCH_MAX_SCAN_VALUES);
            const char **vals = arena_alloc(L->arena, v->n_items * sizeof(*vals));
            if (!vals)
                return nomem(L);
            for (size_t j = 0; j < v->n_items; j++) {
                rc = keep_text(L, v->items[j], what, &vals[j]);
                if (rc)
                    return rc;
                if (!vals[j][0])
                    return fail(L, v->items[j], "%s: empty value", what);
            }
            sc[i].values = vals;
            sc[i].n_values = v->n_items;
        } else if (v->kind == LC_YAML_SCALAR) {
            char spec[512];
            int w = snprintf(spec, sizeof(spec), "%s=%s", k->text, v->text);
            if (w < 0 || (size_t)w >= sizeof(spec))
                return fail(L, v, "%s: the range is too long", what);
            struct lc_bench_scan probe;
            struct lc_error e = {0};
            rc = lc_bench_scan_parse(spec, &probe, &e);
            if (rc == LC_ENOMEM)
                return nomem(L);
            if (rc)
                return fail(L, v, "%s: %s; or give a list such as [1, 2, 4]", what,
                            strncmp(e.msg, "--scan ", 7) == 0 ? e.msg + 7 : e.msg);
            lc_bench_scan_free(&probe);
            rc = keep_text(L, v, what, &sc[i].spec);
            if (rc)
                return rc;
        } else {
            return fail(L, v, "%s: expected a list [100, 1000] or a range 100..10000:x10, found %s",
                        what, lc_yaml_kind_name(v));
        }
    }
    b->scans = sc;
    b->n_scans = n->n_pairs;
    return 0;
}

static int load_benchmark(struct loader *L, const struct lc_yaml_node *n, size_t index,
                          struct lc_scenario_benchmark *b)
{
    char where[160], what[320];
    if (n->kind != LC_YAML_MAP)
        return fail(L, n,
                    "benchmarks.%zu: expected a map such as {name: build, command: "
                    "make}, found %s",
                    index, lc_yaml_kind_name(n));
    const struct lc_yaml_node *name = get(n, "name");
    if (!name)
        return fail(L, n, "benchmarks.%zu has no name: add 'name: NAME'", index);
    snprintf(what, sizeof(what), "'name' of benchmarks.%zu", index);
    int rc = want_name(L, name, what, &b->name);
    if (rc)
        return rc;
    snprintf(where, sizeof(where), "benchmark '%s'", b->name);
    rc = check_keys(L, n, S_BENCHMARK, where);
    if (rc == 0)
        rc = keep_loc(L, n, &b->loc);
    if (rc)
        return rc;
    const struct lc_yaml_node *v = get(n, "command");
    if (!v)
        return fail(L, n, "%s has no command: add command: \"./pipeline --items {n}\"", where);
    snprintf(what, sizeof(what), "'command' in %s", where);
    rc = keep_text(L, v, what, &b->command);
    if (rc)
        return rc;
    if (!b->command[0])
        return fail(L, v, "%s: empty command", what);
    v = get(n, "scan");
    if (v && (rc = load_scan(L, v, where, b)) != 0)
        return rc;
    v = get(n, "runs");
    snprintf(what, sizeof(what), "'runs' in %s", where);
    if (v && (rc = want_uint(L, v, what, 1, 1000000, &b->runs)) != 0)
        return rc;
    v = get(n, "warmup");
    snprintf(what, sizeof(what), "'warmup' in %s", where);
    if (v && (rc = want_uint(L, v, what, 0, 1000000, &b->warmup)) != 0)
        return rc;
    snprintf(what, sizeof(what), "'prepare' in %s", where);
    rc = keep_text(L, get(n, "prepare"), what, &b->prepare);
    if (rc)
        return rc;
    snprintf(what, sizeof(what), "'artifact' in %s", where);
    return keep_text(L, get(n, "artifact"), what, &b->artifact);
}

static int load_benchmarks(struct loader *L, const struct lc_yaml_node *n)
{
    int rc = want_list(L, n, "'benchmarks'", "items like - {name: build, command: make}");
    if (rc)
        return rc;
    struct lc_scenario_benchmark *b = arena_alloc(L->arena, (n->n_items + 1) * sizeof(*b));
    if (!b)
        return nomem(L);
    for (size_t i = 0; i < n->n_items; i++) {
        rc = load_benchmark(L, n->items[i], i, &b[i]);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(b[j].name, b[i].name) == 0)
                return fail(L, get(n->items[i], "name"),
                            "duplicate benchmark name '%s' (also benchmarks.%zu, line %u)",
                            b[i].name, j, b[j].loc.line);
    }
    L->s->benchmarks = b;
    L->s->n_benchmarks = n->n_items;
    return 0;
}

static int load_output(struct loader *L, const struct lc_yaml_node *n)
{
    int rc = want_map(L, n, "'output'", "e.g. {json: results/{name}-{timestamp}.json}");
    if (rc == 0)
        rc = check_keys(L, n, S_OUTPUT, "output");
    if (rc)
        return rc;
    const char **slots[] = {&L->s->output.json, &L->s->output.html, &L->s->output.csv,
                            &L->s->output.markdown};
    for (size_t i = 0; i < 4; i++) {
        const char *key = output_fields[i].key;
        const struct lc_yaml_node *v = get(n, key);
        if (!v)
            continue;
        char what[64];
        snprintf(what, sizeof(what), "'%s' in output", key);
        rc = keep_text(L, v, what, slots[i]);
        if (rc)
            return rc;
        const char *t = *slots[i];
        if (!t[0])
            return fail(L, v, "%s: empty path", what);
        for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
            const char *end = strchr(p, '}');
            if (!end)
                break;
            size_t len = (size_t)(end - p - 1);
            if ((len == 4 && memcmp(p + 1, "name", 4) == 0) ||
                (len == 9 && memcmp(p + 1, "timestamp", 9) == 0))
                continue;
            return fail(L, v, "%s: unknown placeholder '{%.*s}': use {name} or {timestamp}", what,
                        (int)(len > 40 ? 40 : len), p + 1);
        }
    }
    return 0;
}

/* ---- The whole file --------------------------------------------------------------- */

static int load_defaults(struct loader *L, const struct lc_yaml_node *n)
{
    struct lc_scenario *s = L->s;
    if (!n)
        return 0;
    int rc = want_map(L, n, "'defaults'", "e.g. {timeout: 10s, think: 1s..5s}");
    if (rc == 0)
        rc = check_keys(L, n, S_DEFAULTS, "defaults");
    if (rc)
        return rc;
    rc = load_headers(L, get(n, "headers"), "defaults", NULL, 0, &s->default_headers,
                      &s->n_default_headers);
    if (rc)
        return rc;
    const struct lc_yaml_node *v = get(n, "timeout");
    if (v && (rc = want_duration(L, v, "'timeout' in defaults", true, &s->timeout_ns)) != 0)
        return rc;
    v = get(n, "think");
    if (v && (rc = want_think(L, v, "'think' in defaults", &s->think_min_ns, &s->think_max_ns)))
        return rc;
    return 0;
}

static int load_target(struct loader *L, const struct lc_yaml_node *n)
{
    struct lc_url url;
    int rc = want_url(L, n, "'target'", &L->s->target, &url);
    if (rc)
        return rc;
    if (strchr(url.target, '?'))
        return fail(L, n,
                    "'target': '%s' has a query string: the target is the base URL; put the "
                    "query in each request's path",
                    L->s->target);
    size_t len = strlen(url.target);
    while (len > 0 && url.target[len - 1] == '/')
        len--;
    memcpy(L->path_prefix, url.target, len);
    L->path_prefix[len] = '\0';
    return 0;
}

/* The default name: the file name without its directory and extension. */
static int default_name(struct loader *L)
{
    const char *base = strrchr(L->file, '/');
    base = base ? base + 1 : L->file;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    if (len == 0 || base[0] == '<')
        base = "scenario", len = 8;
    char *name = arena_memdup(L->arena, base, len);
    if (!name)
        return nomem(L);
    for (char *c = name; *c; c++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
            *c = '_';
    L->s->name = name;
    return 0;
}

static int convert(struct loader *L, const struct lc_yaml_node *root)
{
    struct lc_scenario *s = L->s;
    if (!root)
        return fail(L, NULL,
                    "the file is empty: a scenario file starts with 'version: 1' (see "
                    "docs/scenarios.md)");
    if (root->kind != LC_YAML_MAP)
        return fail(L, root,
                    "a scenario file is a map of keys (version, target, requests, scenarios, "
                    "...), found %s",
                    lc_yaml_kind_name(root));
    int rc = check_keys(L, root, S_ROOT, "the top level");
    if (rc)
        return rc;
    const struct lc_yaml_node *v = get(root, "version");
    if (!v)
        return fail(L, root,
                    "missing 'version: 1' at the top level (it says which format the file is "
                    "written in)");
    if (v->kind != LC_YAML_SCALAR || strcmp(v->text, "1") != 0)
        return fail(L, v,
                    "unsupported version '%s': this loadcell reads scenario files of version 1; "
                    "write version: 1",
                    v->kind == LC_YAML_SCALAR ? v->text : lc_yaml_kind_name(v));
    s->version = LC_SCENARIO_VERSION;

    v = get(root, "name");
    if (v) {
        rc = keep_text(L, v, "'name'", &s->name);
        if (rc)
            return rc;
        if (!s->name[0] || strchr(s->name, '/') || v->len > 128)
            return fail(L, v,
                        "'name': '%s' must be 1 to 128 characters without '/' (it goes into "
                        "output file names)",
                        s->name);
        for (const char *c = s->name; *c; c++)
            if ((unsigned char)*c < ' ' || *c == 0x7f)
                return fail(L, v, "'name' holds a control character");
    } else if ((rc = default_name(L)) != 0) {
        return rc;
    }

    s->timeout_ns = LC_SCENARIO_DEFAULT_TIMEOUT_NS;
    if ((rc = load_defaults(L, get(root, "defaults"))) != 0)
        return rc;
    const struct lc_yaml_node *target = get(root, "target");
    if (target && (rc = load_target(L, target)) != 0)
        return rc;
    v = get(root, "tls");
    if (v && (rc = load_tls(L, v)) != 0)
        return rc;
    const struct lc_yaml_node *requests = get(root, "requests");
    const struct lc_yaml_node *scenarios = lc_yaml_map_get(root, "scenarios");
    const struct lc_yaml_node *benchmarks = get(root, "benchmarks");
    if (requests && (rc = load_requests(L, requests)) != 0)
        return rc;
    if (scenarios && scenarios->kind == LC_YAML_NULL)
        return fail(L, scenarios,
                    "'scenarios' is empty: add one, e.g. steady: {users: 5, duration: 10m}");
    if (scenarios && (rc = load_scenarios(L, scenarios)) != 0)
        return rc;
    if (s->n_phases && !target)
        return fail(L, root,
                    "missing 'target': the base URL every request path goes to, e.g. target: "
                    "http://127.0.0.1:8080 (or --set target=URL)");
    if (s->n_phases && !s->n_requests)
        return fail(L, key_node(root, "scenarios"),
                    "no requests: the scenarios need 'requests:' to send, e.g. requests: [{name: "
                    "home, path: /}]");
    if (s->n_requests && !s->n_phases)
        return fail(L, key_node(root, "requests"),
                    "requests but no scenarios: add 'scenarios:' to say how hard and how long, "
                    "e.g. steady: {users: 5, duration: 1m}");
    if (benchmarks && (rc = load_benchmarks(L, benchmarks)) != 0)
        return rc;
    if (!s->n_phases && !s->n_benchmarks)
        return fail(L, root,
                    "nothing to run: add scenarios (with target and requests) or benchmarks");

    L->expr_mode = s->n_benchmarks == 0 ? LC_THRESHOLD_LOAD
                   : s->n_phases == 0   ? LC_THRESHOLD_BENCH
                                        : LC_THRESHOLD_ANY;
    v = get(root, "thresholds");
    if (v && (rc = load_thresholds(L, v)) != 0)
        return rc;
    v = get(root, "monitor");
    if (v && (rc = load_monitor(L, v)) != 0)
        return rc;
    v = get(root, "output");
    if (v && (rc = load_output(L, v)) != 0)
        return rc;

    /* Expressions last, so that a structural error is reported first. */
    const struct lc_yaml_node *tl = get(root, "thresholds");
    for (size_t i = 0; i < s->n_thresholds; i++) {
        const struct lc_yaml_node *item = tl->items[i];
        const struct lc_yaml_node *tn = item->kind == LC_YAML_MAP ? get(item, "expr") : item;
        char what[64];
        snprintf(what, sizeof(what), "thresholds.%zu", i);
        if ((rc = check_expr(L, tn, s->thresholds[i].text, what)) != 0)
            return rc;
    }
    enum lc_threshold_mode saved = L->expr_mode;
    L->expr_mode = LC_THRESHOLD_LOAD;
    for (size_t i = 0; i < s->n_phases; i++) {
        if (!s->phases[i].stop_when.text)
            continue;
        const struct lc_yaml_node *pv = lc_yaml_map_get(scenarios, s->phases[i].name);
        char what[320];
        snprintf(what, sizeof(what), "'stop_when' in scenario '%s'", s->phases[i].name);
        if ((rc = check_expr(L, get(pv, "stop_when"), s->phases[i].stop_when.text, what)) != 0)
            return rc;
    }
    L->expr_mode = saved;
    return 0;
}

/* ---- --set --------------------------------------------------------------------------- */

/* Find a key of map matching path[0..len) where len may extend over dots; NULL when none. */
static struct lc_yaml_pair *find_key_dotted(const struct lc_yaml_node *map, const char *p,
                                            size_t *used)
{
    for (const char *end = p + strcspn(p, ".");; end = end + 1 + strcspn(end + 1, ".")) {
        size_t len = (size_t)(end - p);
        for (size_t i = 0; i < map->n_pairs; i++) {
            const struct lc_yaml_node *k = map->pairs[i].key;
            if (k->len == len && memcmp(k->text, p, len) == 0) {
                *used = len;
                return &map->pairs[i];
            }
        }
        if (*end == '\0')
            return NULL;
    }
}

/* A list item named path[0..) (its `name:`), dots allowed; returns its index or -1. */
static long find_item_dotted(const struct lc_yaml_node *seq, const char *p, size_t *used)
{
    for (const char *end = p + strcspn(p, ".");; end = end + 1 + strcspn(end + 1, ".")) {
        size_t len = (size_t)(end - p);
        for (size_t i = 0; i < seq->n_items; i++) {
            const struct lc_yaml_node *nm = lc_yaml_map_get(seq->items[i], "name");
            if (nm && nm->kind == LC_YAML_SCALAR && nm->len == len &&
                memcmp(nm->text, p, len) == 0) {
                *used = len;
                return (long)i;
            }
        }
        if (*end == '\0')
            return -1;
    }
}

LC_PRINTF(3, 4)
static int set_fail(struct loader *L, const char *origin, const char *fmt, ...)
{
    if (!L->err)
        return LC_ECONFIG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err->msg, sizeof(L->err->msg), fmt, ap);
    va_end(ap);
    L->err->code = LC_ECONFIG;
    L->err->sys_errno = 0;
    lc_error_at(L->err, origin, 0, 0);
    return LC_ECONFIG;
}

/* The value of a --set as a node: text, or a YAML flow list/map when it starts with [ or {. */
static int set_value(struct loader *L, const char *origin, const char *value,
                     struct lc_yaml_node **out)
{
    *out = NULL;
    size_t len = strlen(value);
    if (value[0] == '[' || value[0] == '{') {
        struct lc_yaml_doc tmp;
        int rc = lc_yaml_parse(value, len, origin, &tmp, L->err);
        if (rc) {
            lc_error_at(L->err, origin, 0, 0); /* positions inside a flag value mislead */
            return rc;
        }
        if (L->doc->n_nodes + tmp.n_nodes > LC_YAML_MAX_NODES) {
            lc_yaml_doc_free(&tmp);
            return set_fail(L, origin, "the value is too large");
        }
        *out = tmp.root;
        L->doc->n_nodes += tmp.n_nodes;
        tmp.root = NULL;
        lc_yaml_doc_free(&tmp);
        lc_yaml_set_origin(*out, origin);
        return 0;
    }
    bool null = len == 0 || strcmp(value, "~") == 0 || strcmp(value, "null") == 0;
    *out = lc_yaml_node_new(L->doc, null ? LC_YAML_NULL : LC_YAML_SCALAR, value, len, origin);
    return *out ? 0 : nomem(L);
}

/* The message for a key the schema does not know, with the nearest valid one. */
static int set_unknown_key(struct loader *L, const char *origin, enum sch x, const char *key,
                           size_t len, const char *where)
{
    const char *names[16] = {0};
    size_t n = field_names(x, names, 16);
    const char *sug = nearest(key, len, names, n);
    if (sug)
        return set_fail(L, origin, "unknown key '%.*s' in %s (did you mean '%s'?)", (int)len, key,
                        where, sug);
    char list[256];
    join_names(names, n, list, sizeof(list));
    return set_fail(L, origin, "unknown key '%.*s' in %s (valid keys: %s)", (int)len, key, where,
                    list);
}

/* Names in a map's keys or a list's items, for "did you mean". */
static size_t child_names(const struct lc_yaml_node *n, const char **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; n->kind == LC_YAML_MAP && i < n->n_pairs && k < max; i++)
        out[k++] = n->pairs[i].key->text;
    for (size_t i = 0; n->kind == LC_YAML_SEQ && i < n->n_items && k < max; i++) {
        const struct lc_yaml_node *nm = lc_yaml_map_get(n->items[i], "name");
        if (nm && nm->kind == LC_YAML_SCALAR)
            out[k++] = nm->text;
    }
    return k;
}

static int apply_set(struct loader *L, const char *spec)
{
    struct lc_yaml_doc *doc = L->doc;
    char label[600];
    snprintf(label, sizeof(label), "--set %s", spec);
    const char *origin = lc_yaml_doc_origin(doc, label);
    if (!origin)
        return nomem(L);
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return set_fail(L, origin,
                        "expected PATH=VALUE, e.g. --set scenarios.steady.duration=30s or --set "
                        "target=http://127.0.0.1:9000");
    size_t plen = (size_t)(eq - spec);
    char *path = strndup(spec, plen);
    if (!path)
        return nomem(L);
    struct lc_yaml_node *value = NULL;
    int rc = set_value(L, origin, eq + 1, &value);
    if (rc) {
        free(path);
        return rc;
    }
    if (!doc->root)
        doc->root = lc_yaml_node_new(doc, LC_YAML_MAP, NULL, 0, origin);
    if (!doc->root) {
        rc = nomem(L);
        goto done;
    }
    struct lc_yaml_node **slot = &doc->root;
    enum sch x = S_ROOT;
    const char *p = path;
    for (;;) {
        struct lc_yaml_node *node = *slot;
        size_t seg = strcspn(p, ".");
        char where[300];
        if (p == path)
            snprintf(where, sizeof(where), "the top level");
        else
            snprintf(where, sizeof(where), "'%.*s'", (int)(p - path - 1), path);
        if (seg == 0) {
            rc =
                set_fail(L, origin, "empty key in path '%s' (keys are separated by one '.')", path);
            goto done;
        }
        enum shape sh = schemas[x].shape;
        if (node->kind == LC_YAML_NULL && (sh == SH_FIXED || sh == SH_NAMED)) {
            /* "defaults:" written empty: becomes a map to put keys in. */
            struct lc_yaml_node *m = lc_yaml_node_new(doc, LC_YAML_MAP, NULL, 0, origin);
            if (!m) {
                rc = nomem(L);
                goto done;
            }
            m->line = node->line;
            m->col = node->col;
            m->origin = node->origin;
            lc_yaml_node_free(node);
            *slot = node = m;
        }
        size_t used = seg;
        struct lc_yaml_node **next = NULL;
        enum sch child = S_LEAF;
        if (node->kind == LC_YAML_MAP) {
            struct lc_yaml_pair *pair = find_key_dotted(node, p, &used);
            const struct field *f = NULL;
            if (sh == SH_FIXED) {
                f = find_field(x, p, used);
                if (!f) {
                    rc = set_unknown_key(L, origin, x, p, seg, where);
                    goto done;
                }
                child = f->child;
            } else {
                child = schemas[x].child;
            }
            if (pair) {
                next = &pair->value;
            } else if (x == S_SCENARIOS) {
                const char *names[64] = {0};
                size_t n = child_names(node, names, 64);
                const char *sug = nearest(p, seg, names, n);
                char list[256];
                join_names(names, n, list, sizeof(list));
                if (sug)
                    rc = set_fail(L, origin, "no scenario '%.*s' (did you mean '%s'?)", (int)seg, p,
                                  sug);
                else
                    rc = set_fail(L, origin, "no scenario '%.*s': the file has %s", (int)seg, p,
                                  list);
                goto done;
            } else {
                bool last = p[seg] == '\0';
                enum shape csh = schemas[child].shape;
                if (!last && csh != SH_FIXED && csh != SH_NAMED) {
                    rc = set_fail(L, origin,
                                  "'%.*s' is not in the file, so it has no '%s': add it to the "
                                  "file first",
                                  (int)(p - path + seg), path, p + seg + 1);
                    goto done;
                }
                struct lc_yaml_node *k = lc_yaml_node_new(doc, LC_YAML_SCALAR, p, seg, origin);
                struct lc_yaml_node *v =
                    last ? value : lc_yaml_node_new(doc, LC_YAML_MAP, NULL, 0, origin);
                if (!k || !v || (rc = lc_yaml_map_append(node, k, v)) != 0) {
                    lc_yaml_node_free(k);
                    if (v != value)
                        lc_yaml_node_free(v);
                    rc = rc == LC_ERANGE ? set_fail(L, origin, "too many keys") : nomem(L);
                    goto done;
                }
                if (last) {
                    value = NULL; /* the map owns it now */
                    rc = 0;
                    goto done;
                }
                next = &node->pairs[node->n_pairs - 1].value;
            }
        } else if (node->kind == LC_YAML_SEQ) {
            child = schemas[x].child;
            long idx = -1;
            if (strspn(p, "0123456789") == seg) {
                char *end;
                errno = 0;
                unsigned long long i = strtoull(p, &end, 10);
                if (errno || i >= node->n_items) {
                    rc = set_fail(L, origin,
                                  "index %.*s is out of range: %s has %zu item%s (0 to %zu)",
                                  (int)seg, p, where, node->n_items, node->n_items == 1 ? "" : "s",
                                  node->n_items ? node->n_items - 1 : 0);
                    goto done;
                }
                idx = (long)i;
            } else {
                idx = find_item_dotted(node, p, &used);
                if (idx < 0) {
                    const char *names[64] = {0};
                    size_t n = child_names(node, names, 64);
                    const char *sug = nearest(p, seg, names, n);
                    char list[256];
                    join_names(names, n, list, sizeof(list));
                    if (sug)
                        rc = set_fail(L, origin, "%s has no item named '%.*s' (did you mean '%s'?)",
                                      where, (int)seg, p, sug);
                    else if (n)
                        rc = set_fail(L, origin, "%s has no item named '%.*s' (names: %s)", where,
                                      (int)seg, p, list);
                    else
                        rc = set_fail(L, origin,
                                      "%s has no item named '%.*s': use an index from 0 to %zu",
                                      where, (int)seg, p, node->n_items ? node->n_items - 1 : 0);
                    goto done;
                }
            }
            next = &node->items[idx];
        } else {
            rc = set_fail(L, origin, "%s is a single value (%s), it has no key '%.*s'", where,
                          lc_yaml_kind_name(node), (int)seg, p);
            goto done;
        }
        p += used;
        if (*p == '\0') {
            /* Text may replace text, but not a map or list the file has (a likely slip). */
            const struct lc_yaml_node *old = *next;
            bool coll = old->kind == LC_YAML_MAP || old->kind == LC_YAML_SEQ;
            if (coll && value->kind == LC_YAML_SCALAR && schemas[child].shape != SH_VALUE) {
                const char *names[16] = {0};
                size_t n = schemas[child].shape == SH_FIXED ? field_names(child, names, 16) : 0;
                bool list = old->kind == LC_YAML_SEQ;
                rc = set_fail(L, origin,
                              "'%s' is %s, not a single value: set %s inside it, e.g. --set "
                              "%s.%s=VALUE",
                              path, list ? "a list" : "a map", list ? "an item" : "a key", path,
                              list ? "0"
                              : n  ? names[0]
                                   : "KEY");
                goto done;
            }
            lc_yaml_node_free(*next);
            *next = value;
            value = NULL;
            rc = 0;
            goto done;
        }
        p++; /* the dot */
        slot = next;
        x = child;
    }
done:
    lc_yaml_node_free(value);
    free(path);
    return rc;
}

/* ---- --only ------------------------------------------------------------------------- */

static bool name_listed(const char *name, const struct lc_scenario_options *opt)
{
    for (size_t i = 0; i < opt->n_only; i++)
        if (strcmp(opt->only[i], name) == 0)
            return true;
    return false;
}

/* Does the expression scope (term by term) a scenario that --only left out? */
static bool scopes_skipped(const char *text, const struct lc_scenario *s)
{
    const char *p = text;
    while (*p) {
        size_t term = strcspn(p, "&|()");
        const char *colon = memchr(p, ':', term);
        if (colon) {
            const char *a = p, *b = colon;
            while (a < b && (*a == ' ' || *a == '\t'))
                a++;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            for (size_t i = 0; i < s->n_skipped; i++) {
                size_t n = strlen(s->skipped[i]);
                if ((size_t)(b - a) >= n && memcmp(a, s->skipped[i], n) == 0 &&
                    ((size_t)(b - a) == n || a[n] == '.'))
                    return true;
            }
        }
        p += term;
        while (*p && strchr("&|()", *p))
            p++;
    }
    return false;
}

static int apply_only(struct loader *L, const struct lc_scenario_options *opt)
{
    struct lc_scenario *s = L->s;
    for (size_t i = 0; i < opt->n_only; i++) {
        const char *want = opt->only[i];
        bool found = false;
        for (size_t j = 0; j < s->n_phases && !found; j++)
            found = strcmp(s->phases[j].name, want) == 0;
        for (size_t j = 0; j < s->n_benchmarks && !found; j++)
            found = strcmp(s->benchmarks[j].name, want) == 0;
        if (found)
            continue;
        const char *names[128] = {0};
        size_t n = 0;
        for (size_t j = 0; j < s->n_phases && n < 128; j++)
            names[n++] = s->phases[j].name;
        for (size_t j = 0; j < s->n_benchmarks && n < 128; j++)
            names[n++] = s->benchmarks[j].name;
        const char *sug = nearest(want, strlen(want), names, n);
        char list[300];
        join_names(names, n, list, sizeof(list));
        lc_error_set(L->err, LC_ECONFIG,
                     "--only %s: no scenario or benchmark of that name%s%s%s; "
                     "the file has: %s",
                     want, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "", list);
        lc_error_at(L->err, L->file, 0, 0);
        return LC_ECONFIG;
    }
    size_t total = s->n_phases + s->n_benchmarks;
    const char **skipped = arena_alloc(L->arena, (total + 1) * sizeof(*skipped));
    struct lc_scenario_phase *ph = arena_alloc(L->arena, (s->n_phases + 1) * sizeof(*ph));
    struct lc_scenario_benchmark *b = arena_alloc(L->arena, (s->n_benchmarks + 1) * sizeof(*b));
    if (!skipped || !ph || !b)
        return nomem(L);
    size_t np = 0, nb = 0, ns = 0;
    for (size_t j = 0; j < s->n_phases; j++) {
        if (name_listed(s->phases[j].name, opt))
            ph[np++] = s->phases[j];
        else
            skipped[ns++] = s->phases[j].name;
    }
    for (size_t j = 0; j < s->n_benchmarks; j++) {
        if (name_listed(s->benchmarks[j].name, opt))
            b[nb++] = s->benchmarks[j];
        else
            skipped[ns++] = s->benchmarks[j].name;
    }
    s->phases = ph;
    s->n_phases = np;
    s->benchmarks = b;
    s->n_benchmarks = nb;
    s->skipped = skipped;
    s->n_skipped = ns;
    struct lc_scenario_expr *x = (struct lc_scenario_expr *)s->thresholds;
    for (size_t i = 0; i < s->n_thresholds; i++)
        x[i].skipped = scopes_skipped(x[i].text, s);
    return 0;
}

/* ---- Entry points ------------------------------------------------------------------ */

static int load(const char *text, size_t len, const char *file, const char *dir,
                const struct lc_scenario_options *opt, struct lc_scenario **out,
                struct lc_error *err)
{
    *out = NULL;
    struct lc_scenario_arena *arena = calloc(1, sizeof(*arena));
    if (!arena)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    struct lc_scenario *s = arena_alloc(arena, sizeof(*s));
    struct lc_yaml_doc doc = {0};
    struct loader L = {.arena = arena, .s = s, .doc = &doc, .err = err};
    int rc;
    if (!s || !(L.file = arena_strdup(arena, file)) ||
        (dir && !(L.dir = arena_strdup(arena, dir)))) {
        rc = lc_error_set(err, LC_ENOMEM, "out of memory");
        goto fail;
    }
    s->arena = arena;
    s->file = L.file;
    s->dir = L.dir;
    rc = lc_yaml_parse(text, len, L.file, &doc, err);
    for (size_t i = 0; rc == 0 && opt && i < opt->n_sets; i++)
        rc = apply_set(&L, opt->sets[i]);
    if (rc == 0)
        rc = convert(&L, doc.root);
    if (rc == 0 && opt && opt->n_only)
        rc = apply_only(&L, opt);
    if (rc)
        goto fail;
    uint64_t offset = 0;
    struct lc_scenario_phase *ph = (struct lc_scenario_phase *)s->phases;
    for (size_t i = 0; i < s->n_phases; i++) {
        ph[i].start_offset_ns = offset;
        if (ph[i].duration_ns > UINT64_MAX / 2 - offset) {
            rc = fail(&L, NULL, "the scenarios together are too long to run");
            goto fail;
        }
        offset += ph[i].duration_ns;
    }
    lc_yaml_doc_free(&doc);
    *out = s;
    return 0;
fail:
    lc_yaml_doc_free(&doc);
    arena_free(arena);
    return rc;
}

int lc_scenario_load_string(const char *text, size_t len, const char *name, const char *dir,
                            const struct lc_scenario_options *opt, struct lc_scenario **out,
                            struct lc_error *err)
{
    if (len > LC_SCENARIO_MAX_FILE_BYTES) {
        *out = NULL;
        lc_error_set(err, LC_ECONFIG, "the scenario is larger than %u MB",
                     LC_SCENARIO_MAX_FILE_BYTES >> 20);
        lc_error_at(err, name ? name : "<string>", 0, 0);
        return LC_ECONFIG;
    }
    return load(text, len, name ? name : "<string>", dir, opt, out, err);
}

int lc_scenario_load_file(const char *path, const struct lc_scenario_options *opt,
                          struct lc_scenario **out, struct lc_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int e = 0;
    const char *why;
    if (read_whole(path, LC_SCENARIO_MAX_FILE_BYTES, &text, &len, &e, &why) != 0) {
        if (e == ENOMEM)
            return lc_error_set(err, LC_ENOMEM, "out of memory reading %s", path);
        lc_error_set(err, LC_ECONFIG, "cannot read the scenario file: %s",
                     why && strcmp(why, "too large") == 0 ? "larger than 16 MB"
                     : why                                ? why
                                                          : strerror(e));
        if (err)
            err->sys_errno = e;
        lc_error_at(err, path, 0, 0);
        return LC_ECONFIG;
    }
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    int rc = load(text, len, path, dir, opt, out, err);
    free(text);
    return rc;
}

void lc_scenario_free(struct lc_scenario *s)
{
    if (s)
        arena_free(s->arena);
}

const struct lc_scenario_phase *lc_scenario_phases(const struct lc_scenario *s, size_t *n)
{
    *n = s->n_phases;
    return s->phases;
}

uint64_t lc_scenario_duration_ns(const struct lc_scenario *s)
{
    uint64_t total = 0;
    for (size_t i = 0; i < s->n_phases; i++)
        total += s->phases[i].duration_ns;
    return total;
}

double lc_scenario_level_at(const struct lc_scenario_phase *ph, uint64_t t_ns)
{
    if (ph->n_stages == 0)
        return 0;
    uint64_t start = 0;
    for (size_t i = 0; i < ph->n_stages; i++) {
        const struct lc_scenario_stage *st = &ph->stages[i];
        if (t_ns < start + st->duration_ns) {
            double f = (double)(t_ns - start) / (double)st->duration_ns;
            double v = st->from + (st->target - st->from) * f;
            return v > 0 ? v : 0;
        }
        start += st->duration_ns;
    }
    return ph->stages[ph->n_stages - 1].target;
}

char *lc_scenario_expand_output(const char *tmpl, const char *name, time_t when)
{
    if (!tmpl)
        return NULL;
    if (!name)
        name = "";
    char stamp[32];
    struct tm tm;
    if (!gmtime_r(&when, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
        snprintf(stamp, sizeof(stamp), "%lld", (long long)when);
    size_t nlen = strlen(name), slen = strlen(stamp);
    /* Two passes: measure, then write. */
    char *out = NULL;
    size_t size = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (const char *p = tmpl; *p;) {
            const char *put = p;
            size_t n = 1, skip = 1;
            if (strncmp(p, "{name}", 6) == 0) {
                put = name, n = nlen, skip = 6;
            } else if (strncmp(p, "{timestamp}", 11) == 0) {
                put = stamp, n = slen, skip = 11;
            }
            if (out)
                memcpy(out + k, put, n);
            k += n;
            p += skip;
        }
        if (out) {
            out[k] = '\0';
            break;
        }
        size = k + 1;
        out = malloc(size);
        if (!out)
            return NULL;
    }
    return out;
}
