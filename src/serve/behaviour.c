/* Behaviour specs of `loadcell serve`: parsing, latency distributions, per-request draws. */
#include "serve/behaviour.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/parse.h"

static const char *const chaos_names[LC_CHAOS_COUNT] = {
    [LC_CHAOS_NONE] = "none",
    [LC_CHAOS_RESET] = "reset",
    [LC_CHAOS_CLOSE_MID_BODY] = "close-mid-body",
    [LC_CHAOS_BAD_STATUS] = "bad-status",
    [LC_CHAOS_HUGE_HEADERS] = "huge-headers",
    [LC_CHAOS_NO_ANSWER] = "no-answer",
    [LC_CHAOS_TRICKLE] = "trickle",
};

const char *lc_chaos_name(int kind)
{
    if (kind < 0 || kind >= LC_CHAOS_COUNT)
        return "unknown";
    return chaos_names[kind];
}

/* ---- latency ------------------------------------------------------------ */

static const char latency_hint[] =
    "expected fixed:D, uniform:LO..HI, normal:MEAN,SD, lognormal:MEDIAN,SIGMA, exp:MEAN, "
    "a duration, or a mixture such as 90%fixed:10ms,10%fixed:200ms";

void lc_latency_zero(struct lc_latency *l)
{
    memset(l, 0, sizeof(*l));
    l->count = 1;
    l->parts[0].kind = LC_LATENCY_FIXED;
    l->parts[0].weight = 1.0;
    l->cum[0] = 1.0;
}

int lc_latency_is_zero(const struct lc_latency *l)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (l->parts[i].kind != LC_LATENCY_FIXED || l->parts[i].a != 0)
            return 0;
    return 1;
}

/* Parse "D" into ns; `what` names the parameter in the error. */
static int parse_dur(const char *text, const char *spec, const char *what, double *out,
                     struct lc_error *err)
{
    uint64_t ns;
    struct lc_error sub = {0};
    if (lc_parse_duration_ns(text, &ns, &sub) != 0)
        return lc_error_set(err, LC_EINVAL,
                            "invalid latency '%s': %s '%s' is not a duration "
                            "(e.g. 10ms, 250us, 1.5s)",
                            spec, what, text);
    if (ns > LC_LATENCY_MAX_NS)
        return lc_error_set(err, LC_EINVAL, "invalid latency '%s': %s '%s' is longer than 1h", spec,
                            what, text);
    *out = (double)ns;
    return 0;
}

/* Split "A,B" (in place) into two strings; returns 0 when there is exactly one comma. */
static int split_pair(char *params, char **a, char **b)
{
    char *comma = strchr(params, ',');
    if (!comma || strchr(comma + 1, ','))
        return -1;
    *comma = '\0';
    *a = params;
    *b = comma + 1;
    return 0;
}

/* Parse one component "kind:params" or a bare duration (text is modified). */
static int parse_part(char *text, const char *spec, struct lc_latency_part *p, struct lc_error *err)
{
    char *colon = strchr(text, ':');
    char *a, *b;
    p->b = 0;
    if (!colon) {
        p->kind = LC_LATENCY_FIXED;
        return parse_dur(text, spec, "delay", &p->a, err);
    }
    *colon = '\0';
    char *kind = text, *params = colon + 1;
    if (strcmp(kind, "fixed") == 0) {
        p->kind = LC_LATENCY_FIXED;
        return parse_dur(params, spec, "delay", &p->a, err);
    }
    if (strcmp(kind, "uniform") == 0) {
        uint64_t lo, hi;
        struct lc_error sub = {0};
        p->kind = LC_LATENCY_UNIFORM;
        if (lc_parse_duration_range(params, &lo, &hi, &sub) != 0 || !strstr(params, ".."))
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': uniform needs LO..HI, e.g. "
                                "uniform:5ms..20ms",
                                spec);
        if (hi > LC_LATENCY_MAX_NS)
            return lc_error_set(err, LC_EINVAL, "invalid latency '%s': longer than 1h", spec);
        p->a = (double)lo;
        p->b = (double)hi;
        return 0;
    }
    if (strcmp(kind, "normal") == 0) {
        p->kind = LC_LATENCY_NORMAL;
        if (split_pair(params, &a, &b) != 0)
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': normal needs MEAN,SD, e.g. normal:20ms,5ms",
                                spec);
        if (parse_dur(a, spec, "mean", &p->a, err) != 0)
            return LC_EINVAL;
        return parse_dur(b, spec, "standard deviation", &p->b, err);
    }
    if (strcmp(kind, "lognormal") == 0) {
        p->kind = LC_LATENCY_LOGNORMAL;
        if (split_pair(params, &a, &b) != 0)
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': lognormal needs MEDIAN,SIGMA, e.g. "
                                "lognormal:20ms,0.5",
                                spec);
        if (parse_dur(a, spec, "median", &p->a, err) != 0)
            return LC_EINVAL;
        struct lc_error sub = {0};
        if (lc_parse_double(b, &p->b, &sub) != 0 || p->b < 0 || p->b > 5)
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': sigma '%s' must be a number from 0 to 5 "
                                "(the standard deviation of the log), e.g. 0.5",
                                spec, b);
        if (p->a <= 0)
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': the lognormal median must be above 0", spec);
        return 0;
    }
    if (strcmp(kind, "exp") == 0) {
        p->kind = LC_LATENCY_EXP;
        if (parse_dur(params, spec, "mean", &p->a, err) != 0)
            return LC_EINVAL;
        if (p->a <= 0)
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': the exponential mean must be above 0", spec);
        return 0;
    }
    return lc_error_set(err, LC_EINVAL, "invalid latency '%s': unknown distribution '%s'; %s", spec,
                        kind, latency_hint);
}

/* 1 when tok starts like a mixture weight: digits, an optional fraction, then '%'. */
static int starts_with_weight(const char *tok)
{
    const char *p = tok;
    while ((*p >= '0' && *p <= '9') || *p == '.')
        p++;
    return p > tok && *p == '%';
}

int lc_latency_parse(const char *s, struct lc_latency *out, struct lc_error *err)
{
    char buf[512];
    struct lc_latency l;
    if (!s || !*s)
        return lc_error_set(err, LC_EINVAL, "empty latency: %s", latency_hint);
    if (strlen(s) >= sizeof(buf))
        return lc_error_set(err, LC_EINVAL, "latency spec is too long (%zu characters)", strlen(s));
    lc_latency_zero(&l);
    if (strcmp(s, "none") == 0 || strcmp(s, "off") == 0) {
        *out = l;
        return 0;
    }
    memcpy(buf, s, strlen(s) + 1);
    if (!starts_with_weight(buf)) {
        if (parse_part(buf, s, &l.parts[0], err) != 0)
            return LC_EINVAL;
        l.parts[0].weight = 1.0;
        *out = l;
        return 0;
    }
    /*
     * A mixture: tokens split at commas; a token with a leading "NN%" starts a
     * component, the others are further parameters of the current one
     * ("90%normal:10ms,2ms,10%fixed:200ms").
     */
    char *starts[LC_LATENCY_MAX_PARTS];
    uint32_t n = 0;
    for (char *tok = buf; tok;) {
        char *comma = strchr(tok, ',');
        if (starts_with_weight(tok)) {
            if (n == LC_LATENCY_MAX_PARTS)
                return lc_error_set(err, LC_EINVAL,
                                    "invalid latency '%s': at most %d mixture components", s,
                                    LC_LATENCY_MAX_PARTS);
            starts[n++] = tok;
            if (tok != buf)
                tok[-1] = '\0'; /* end the previous component */
        }
        tok = comma ? comma + 1 : NULL;
    }
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        char *pct = strchr(starts[i], '%');
        char wtext[64];
        size_t wlen = (size_t)(pct - starts[i]) + 1;
        if (wlen >= sizeof(wtext))
            return lc_error_set(err, LC_EINVAL, "invalid latency '%s': bad weight", s);
        memcpy(wtext, starts[i], wlen);
        wtext[wlen] = '\0';
        struct lc_error sub = {0};
        double w;
        if (lc_parse_percent(wtext, &w, &sub) != 0 || w <= 0)
            return lc_error_set(err, LC_EINVAL,
                                "invalid latency '%s': weight '%s' must be above 0%% and at "
                                "most 100%%",
                                s, wtext);
        if (parse_part(pct + 1, s, &l.parts[i], err) != 0)
            return LC_EINVAL;
        l.parts[i].weight = w;
        sum += w;
        l.cum[i] = sum;
    }
    if (fabs(sum - 1.0) > 1e-6)
        return lc_error_set(err, LC_EINVAL,
                            "invalid latency '%s': mixture percentages sum to %g%%, not 100%%", s,
                            sum * 100);
    l.count = n;
    l.cum[n - 1] = 1.0;
    *out = l;
    return 0;
}

static double sample_part(const struct lc_latency_part *p, struct lc_rng *rng)
{
    switch (p->kind) {
    case LC_LATENCY_UNIFORM:
        return p->a + (p->b - p->a) * lc_rng_uniform(rng);
    case LC_LATENCY_NORMAL:
        if (p->b <= 0)
            return p->a;
        /* Truncated at 0 by rejection: with mean >= 0 at least half the draws pass. */
        for (int i = 0; i < 64; i++) {
            double x = p->a + p->b * lc_rng_normal(rng);
            if (x >= 0)
                return x;
        }
        return 0;
    case LC_LATENCY_LOGNORMAL:
        return p->a * exp(p->b * lc_rng_normal(rng));
    case LC_LATENCY_EXP:
        return lc_rng_exponential(rng, p->a);
    default:
        return p->a;
    }
}

uint64_t lc_latency_sample_ns(const struct lc_latency *l, struct lc_rng *rng)
{
    const struct lc_latency_part *p = &l->parts[0];
    if (l->count > 1) {
        double u = lc_rng_uniform(rng);
        uint32_t i = 0;
        while (i + 1 < l->count && u >= l->cum[i])
            i++;
        p = &l->parts[i];
    }
    double x = sample_part(p, rng);
    if (!(x > 0)) /* also catches NaN */
        return 0;
    if (x >= (double)LC_LATENCY_MAX_NS)
        return LC_LATENCY_MAX_NS;
    return (uint64_t)llround(x);
}

static double phi(double z)
{
    return 0.5 * erfc(-z / M_SQRT2);
}

static double cdf_part(const struct lc_latency_part *p, double x)
{
    switch (p->kind) {
    case LC_LATENCY_UNIFORM:
        if (p->b <= p->a)
            return x >= p->a ? 1.0 : 0.0;
        if (x <= p->a)
            return 0.0;
        return x >= p->b ? 1.0 : (x - p->a) / (p->b - p->a);
    case LC_LATENCY_NORMAL: {
        if (p->b <= 0)
            return x >= p->a ? 1.0 : 0.0;
        if (x < 0)
            return 0.0;
        double f0 = phi(-p->a / p->b);
        return (phi((x - p->a) / p->b) - f0) / (1.0 - f0);
    }
    case LC_LATENCY_LOGNORMAL:
        if (x <= 0)
            return 0.0;
        if (p->b <= 0)
            return x >= p->a ? 1.0 : 0.0;
        return phi((log(x) - log(p->a)) / p->b);
    case LC_LATENCY_EXP:
        return x <= 0 ? 0.0 : 1.0 - exp(-x / p->a);
    default:
        return x >= p->a ? 1.0 : 0.0;
    }
}

static double upper_part(const struct lc_latency_part *p)
{
    switch (p->kind) {
    case LC_LATENCY_UNIFORM:
        return p->b;
    case LC_LATENCY_NORMAL:
        return p->a + 40 * p->b;
    case LC_LATENCY_LOGNORMAL:
        return p->a * exp(40 * p->b);
    case LC_LATENCY_EXP:
        return p->a * 800;
    default:
        return p->a;
    }
}

double lc_latency_quantile_ns(const struct lc_latency *l, double q)
{
    double hi = 1;
    for (uint32_t i = 0; i < l->count; i++)
        if (upper_part(&l->parts[i]) > hi)
            hi = upper_part(&l->parts[i]);
    if (hi > (double)LC_LATENCY_MAX_NS)
        hi = (double)LC_LATENCY_MAX_NS;
    double lo = 0;
    /* Bisection on the mixture CDF for the least x with CDF(x) >= q. */
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi), c = 0;
        for (uint32_t i = 0; i < l->count; i++)
            c += l->parts[i].weight * cdf_part(&l->parts[i], mid);
        if (c >= q)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* ---- behaviour ---------------------------------------------------------- */

void lc_serve_behaviour_default(struct lc_serve_behaviour *b)
{
    memset(b, 0, sizeof(*b));
    lc_latency_zero(&b->latency);
    b->status = 200;
    b->error_status = 500;
    b->body_min_bytes = b->body_max_bytes = 2;
}

static void chaos_finish(struct lc_serve_behaviour *b)
{
    double sum = 0;
    b->chaos_cum[LC_CHAOS_NONE] = 0;
    for (int k = 1; k < LC_CHAOS_COUNT; k++) {
        sum += b->chaos[k];
        b->chaos_cum[k] = sum;
    }
    b->chaos_total = sum;
}

static int parse_status(const char *key, const char *value, uint32_t *out, struct lc_error *err)
{
    uint64_t v;
    struct lc_error sub = {0};
    if (!value || lc_parse_u64(value, &v, &sub) != 0 || v < 200 || v > 599)
        return lc_error_set(err, LC_EINVAL, "invalid %s '%s': expected a status from 200 to 599",
                            key, value ? value : "");
    *out = (uint32_t)v;
    return 0;
}

static int parse_bool(const char *key, const char *value, int *out, struct lc_error *err)
{
    if (!value || !*value || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
        strcmp(value, "on") == 0 || strcmp(value, "1") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "off") == 0 ||
        strcmp(value, "0") == 0) {
        *out = 0;
        return 0;
    }
    return lc_error_set(err, LC_EINVAL, "invalid %s '%s': expected true or false", key, value);
}

static int parse_stall(const char *value, uint64_t *stall_ns, uint64_t *period_ns,
                       struct lc_error *err)
{
    char a[64], b[64];
    struct lc_error sub = {0};
    if (!value)
        value = "";
    if (strcmp(value, "off") == 0 || strcmp(value, "none") == 0 || strcmp(value, "0") == 0) {
        *stall_ns = *period_ns = 0;
        return 0;
    }
    const char *slash = strchr(value, '/');
    size_t alen = slash ? (size_t)(slash - value) : 0;
    if (!slash || alen >= sizeof(a) || strlen(slash + 1) >= sizeof(b))
        goto bad;
    memcpy(a, value, alen);
    a[alen] = '\0';
    memcpy(b, slash + 1, strlen(slash + 1) + 1);
    uint64_t s, p;
    if (lc_parse_duration_ns(a, &s, &sub) != 0 || lc_parse_duration_ns(b, &p, &sub) != 0)
        goto bad;
    if (s == 0 || p == 0 || s >= p)
        return lc_error_set(err, LC_EINVAL,
                            "invalid stall '%s': the stall must be above 0 and shorter than the "
                            "period, e.g. 1s/5s",
                            value);
    *stall_ns = s;
    *period_ns = p;
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL,
                        "invalid stall '%s': expected STALL/PERIOD such as 1s/5s (nothing is "
                        "answered during the first STALL of every PERIOD), or off",
                        value);
}

static int parse_chaos(const char *value, double rates[LC_CHAOS_COUNT], struct lc_error *err)
{
    char buf[512];
    if (!value || !*value || strlen(value) >= sizeof(buf))
        goto bad;
    if (strcmp(value, "off") == 0 || strcmp(value, "none") == 0) {
        for (int k = 0; k < LC_CHAOS_COUNT; k++)
            rates[k] = 0;
        return 0;
    }
    memcpy(buf, value, strlen(value) + 1);
    for (char *tok = buf; tok;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        char *eq = strchr(tok, '=');
        if (!eq)
            goto bad;
        *eq = '\0';
        int kind = -1;
        for (int k = 1; k < LC_CHAOS_COUNT; k++)
            if (strcmp(tok, chaos_names[k]) == 0)
                kind = k;
        if (kind < 0)
            return lc_error_set(err, LC_EINVAL,
                                "invalid chaos '%s': unknown kind '%s' (kinds: reset, "
                                "close-mid-body, bad-status, huge-headers, no-answer, trickle)",
                                value, tok);
        struct lc_error sub = {0};
        if (lc_parse_percent(eq + 1, &rates[kind], &sub) != 0)
            return lc_error_set(err, LC_EINVAL, "invalid chaos '%s': rate '%s' of %s: %s", value,
                                eq + 1, tok, sub.msg);
        tok = comma ? comma + 1 : NULL;
    }
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL,
                        "invalid chaos '%s': expected KIND=RATE,... such as reset=5%%,trickle=1%%",
                        value ? value : "");
}

int lc_serve_behaviour_set(struct lc_serve_behaviour *b, const char *key, const char *value,
                           struct lc_error *err)
{
    struct lc_serve_behaviour n = *b;
    struct lc_error sub = {0};
    int rc;
    if (strcmp(key, "latency") == 0) {
        rc = lc_latency_parse(value ? value : "", &n.latency, err);
    } else if (strcmp(key, "status") == 0) {
        rc = parse_status(key, value, &n.status, err);
    } else if (strcmp(key, "error-status") == 0) {
        rc = parse_status(key, value, &n.error_status, err);
    } else if (strcmp(key, "error-rate") == 0) {
        rc = lc_parse_percent(value ? value : "", &n.error_rate, &sub);
        if (rc != 0)
            rc = lc_error_set(err, LC_EINVAL, "invalid error-rate: %s", sub.msg);
    } else if (strcmp(key, "body") == 0 || strcmp(key, "body-size") == 0) {
        rc = lc_parse_size_range(value ? value : "", &n.body_min_bytes, &n.body_max_bytes, &sub);
        if (rc != 0)
            rc = lc_error_set(err, LC_EINVAL, "invalid body size: %s", sub.msg);
        else if (n.body_max_bytes > LC_SERVE_MAX_BODY_BYTES)
            rc = lc_error_set(err, LC_EINVAL, "invalid body size '%s': at most 256MB", value);
    } else if (strcmp(key, "chunked") == 0) {
        rc = parse_bool(key, value, &n.chunked, err);
    } else if (strcmp(key, "stall") == 0) {
        rc = parse_stall(value, &n.stall_ns, &n.stall_period_ns, err);
    } else if (strcmp(key, "chaos") == 0) {
        rc = parse_chaos(value, n.chaos, err);
        if (rc == 0) {
            chaos_finish(&n);
            if (n.chaos_total > 1.0 + 1e-9)
                rc = lc_error_set(err, LC_EINVAL,
                                  "invalid chaos '%s': the rates sum to %g%%, more than 100%%",
                                  value, n.chaos_total * 100);
        }
    } else {
        rc = lc_error_set(err, LC_EINVAL,
                          "unknown key '%s' (keys: latency, status, body, error-rate, "
                          "error-status, chunked, stall, chaos)",
                          key);
    }
    if (rc == 0)
        *b = n;
    return rc;
}

/* ---- routes ------------------------------------------------------------- */

int lc_serve_route_parse(const char *spec, const struct lc_serve_behaviour *base,
                         struct lc_serve_route *out, struct lc_error *err)
{
    char buf[1024];
    struct lc_error sub = {0};
    if (!spec || strlen(spec) >= sizeof(buf))
        return lc_error_set(err, LC_EINVAL, "route spec is empty or too long");
    memcpy(buf, spec, strlen(spec) + 1);
    char *colon = strchr(buf, ':');
    char *keys = NULL;
    if (colon) {
        *colon = '\0';
        keys = colon + 1;
    }
    size_t plen = strlen(buf);
    if (plen == 0 || buf[0] != '/')
        return lc_error_set(err, LC_EINVAL,
                            "invalid route '%s': the path must start with '/', e.g. "
                            "'/query:latency=fixed:10ms;status=200'",
                            spec);
    if (plen >= sizeof(out->pattern))
        return lc_error_set(err, LC_EINVAL, "invalid route '%s': path longer than %d bytes", spec,
                            LC_SERVE_MAX_PATH - 1);
    for (size_t i = 0; i < plen; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c <= ' ' || c == 0x7f || c == '?' || c == '#' || (c == '*' && i + 1 != plen))
            return lc_error_set(err, LC_EINVAL,
                                "invalid route '%s': the path has a blank, '?', '#' or a '*' "
                                "before its end",
                                spec);
    }
    memset(out, 0, sizeof(*out));
    memcpy(out->pattern, buf, plen + 1);
    out->prefix = buf[plen - 1] == '*';
    out->match_len = out->prefix ? plen - 1 : plen;
    out->behaviour = *base;
    for (char *tok = keys; tok;) {
        char *semi = strchr(tok, ';');
        if (semi)
            *semi = '\0';
        if (*tok) {
            char *eq = strchr(tok, '=');
            const char *value = NULL;
            if (eq) {
                *eq = '\0';
                value = eq + 1;
            } else if (strcmp(tok, "chunked") != 0) {
                return lc_error_set(err, LC_EINVAL,
                                    "invalid route '%s': '%s' needs a value (key=value)", spec,
                                    tok);
            }
            if (lc_serve_behaviour_set(&out->behaviour, tok, value, &sub) != 0)
                return lc_error_set(err, LC_EINVAL, "invalid route '%s': %s", spec, sub.msg);
        }
        tok = semi ? semi + 1 : NULL;
    }
    return 0;
}

int lc_serve_route_match(const struct lc_serve_route *routes, uint32_t count, const char *path,
                         size_t len)
{
    for (uint32_t i = 0; i < count; i++) {
        const struct lc_serve_route *r = &routes[i];
        if (r->prefix ? len >= r->match_len : len == r->match_len)
            if (memcmp(path, r->pattern, r->match_len) == 0)
                return (int)i;
    }
    return -1;
}

/* ---- decisions ---------------------------------------------------------- */

void lc_serve_decide(const struct lc_serve_behaviour *b, struct lc_rng *rng,
                     struct lc_serve_decision *d)
{
    d->chaos = LC_CHAOS_NONE;
    if (b->chaos_total > 0) {
        double u = lc_rng_uniform(rng);
        for (int k = 1; k < LC_CHAOS_COUNT; k++) {
            if (u < b->chaos_cum[k]) {
                d->chaos = (uint8_t)k;
                break;
            }
        }
    }
    d->error = b->error_rate > 0 && lc_rng_uniform(rng) < b->error_rate;
    d->status = d->error ? b->error_status : b->status;
    d->body_bytes = b->body_min_bytes == b->body_max_bytes
                        ? b->body_min_bytes
                        : lc_rng_range(rng, b->body_min_bytes, b->body_max_bytes);
    d->delay_ns = lc_latency_is_zero(&b->latency) ? 0 : lc_latency_sample_ns(&b->latency, rng);
}

uint64_t lc_serve_stall_due_ns(const struct lc_serve_behaviour *b, uint64_t start_ns,
                               uint64_t due_ns)
{
    if (b->stall_period_ns == 0 || due_ns < start_ns)
        return due_ns;
    uint64_t phase = (due_ns - start_ns) % b->stall_period_ns;
    return phase < b->stall_ns ? due_ns + (b->stall_ns - phase) : due_ns;
}
