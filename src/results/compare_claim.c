/* Claims for `loadcell compare --expect`: a small hand-written parser. */
#include "results/compare_claim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The metrics a ratio claim may name (normalised names, as compare.h writes them). */
static const char *const claim_metrics[] = {
    "rps",  "error_rate", "p50",      "p95",      "p99",      "max",
    "mean", "median",     "cpu_peak", "mem_peak", "artifact",
};

static const char *const op_names[] = {"<", "<=", ">", ">="};

const char *lc_cmp_op_name(enum lc_cmp_op op)
{
    return (unsigned)op < 4 ? op_names[op] : "?";
}

bool lc_cmp_claim_holds(enum lc_cmp_op op, double value, double limit)
{
    switch (op) {
    case LC_CMP_OP_LT:
        return value < limit;
    case LC_CMP_OP_LE:
        return value <= limit;
    case LC_CMP_OP_GT:
        return value > limit;
    case LC_CMP_OP_GE:
        return value >= limit;
    }
    return false;
}

/* Normalise a metric word (len bytes) into out: "p(99)" -> "p99", "time" -> "mean". */
static bool normalise_metric(const char *w, size_t len, char *out, size_t size)
{
    char buf[32];
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (w[i] == '(' || w[i] == ')')
            continue;
        if (k + 1 >= sizeof(buf))
            return false;
        buf[k++] = (char)tolower((unsigned char)w[i]);
    }
    buf[k] = '\0';
    if (strcmp(buf, "time") == 0)
        snprintf(buf, sizeof(buf), "mean");
    if (strcmp(buf, "mem") == 0 || strcmp(buf, "max_rss") == 0)
        snprintf(buf, sizeof(buf), "mem_peak");
    for (size_t i = 0; i < sizeof(claim_metrics) / sizeof(claim_metrics[0]); i++) {
        if (strcmp(buf, claim_metrics[i]) == 0) {
            snprintf(out, size, "%s", buf);
            return true;
        }
    }
    return false;
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* The end of a word: letters, digits, _ ( ) . */
static const char *word_end(const char *p)
{
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '(' || *p == ')' || *p == '.')
        p++;
    return p;
}

int lc_cmp_claim_parse(const char *text, struct lc_cmp_claim *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!text || !*text)
        return lc_error_set(err, LC_EINVAL,
                            "--expect needs a claim such as 'speedup >= 3' or 'p99 ratio <= 0.5'");
    if (strlen(text) > LC_CMP_CLAIM_MAX_LEN)
        return lc_error_set(err, LC_EINVAL, "--expect: the claim is longer than %d characters",
                            LC_CMP_CLAIM_MAX_LEN);
    snprintf(out->text, sizeof(out->text), "%s", text);

    /* An optional scope: everything before the last ':' that precedes the operator. */
    const char *body = text;
    const char *opc = strpbrk(text, "<>");
    const char *colon = NULL;
    for (const char *q = text; *q && (!opc || q < opc); q++)
        if (*q == ':')
            colon = q;
    if (colon) {
        const char *s = text, *e = colon;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (s == e)
            return lc_error_set(err, LC_EINVAL,
                                "'%s': empty scope before ':' (write a request name or a bench "
                                "command, or leave out the ':')",
                                text);
        snprintf(out->scope, sizeof(out->scope), "%.*s", (int)(e - s), s);
        body = colon + 1;
    }

    const char *p = body;
    skip_ws(&p);
    const char *w = p, *we = word_end(p);
    if (we == w)
        return lc_error_set(err, LC_EINVAL,
                            "'%s': expected 'speedup' or a metric followed by 'ratio' (e.g. "
                            "'speedup >= 3', 'p99 ratio <= 0.5')",
                            text);
    size_t wlen = (size_t)(we - w);
    p = we;
    if (wlen == 7 && strncasecmp(w, "speedup", 7) == 0) {
        out->speedup = true;
        snprintf(out->metric, sizeof(out->metric), "speedup");
    } else {
        if (!normalise_metric(w, wlen, out->metric, sizeof(out->metric)))
            return lc_error_set(err, LC_EINVAL,
                                "'%s': unknown metric '%.*s' (use speedup, or one of rps, "
                                "error_rate, p50, p95, p99, max, cpu_peak, mem_peak, mean, "
                                "median, artifact followed by 'ratio')",
                                text, (int)wlen, w);
        skip_ws(&p);
        const char *r = p, *re = word_end(p);
        if ((size_t)(re - r) != 5 || strncasecmp(r, "ratio", 5) != 0)
            return lc_error_set(err, LC_EINVAL,
                                "'%s': expected 'ratio' after '%.*s' (claims compare the new run "
                                "with the baseline, e.g. '%s ratio <= 0.5')",
                                text, (int)wlen, w, out->metric);
        p = re;
    }
    skip_ws(&p);
    if (p[0] == '<' && p[1] == '=') {
        out->op = LC_CMP_OP_LE;
        p += 2;
    } else if (p[0] == '>' && p[1] == '=') {
        out->op = LC_CMP_OP_GE;
        p += 2;
    } else if (p[0] == '<') {
        out->op = LC_CMP_OP_LT;
        p++;
    } else if (p[0] == '>') {
        out->op = LC_CMP_OP_GT;
        p++;
    } else {
        return lc_error_set(err, LC_EINVAL, "'%s': expected an operator < <= > >= after '%s%s'",
                            text, out->metric, out->speedup ? "" : " ratio");
    }
    skip_ws(&p);
    if (!(isdigit((unsigned char)*p) || *p == '.'))
        return lc_error_set(err, LC_EINVAL, "'%s': expected a number after '%s'", text,
                            lc_cmp_op_name(out->op));
    errno = 0;
    char *end;
    double v = strtod(p, &end);
    if (end == p || errno == ERANGE || !isfinite(v))
        return lc_error_set(err, LC_EINVAL, "'%s': the number after '%s' is out of range", text,
                            lc_cmp_op_name(out->op));
    p = end;
    if (*p == '%') {
        v /= 100.0;
        p++;
    } else if (*p == 'x' || *p == 'X') {
        p++;
    }
    skip_ws(&p);
    if (*p)
        return lc_error_set(err, LC_EINVAL,
                            "'%s': unexpected '%s' after the number (a claim is one comparison)",
                            text, p);
    out->limit = v;
    return 0;
}
