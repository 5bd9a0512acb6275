/* A comparison rendered as a terminal table, Markdown, or JSON. */
#include "results/compare_fmt.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/report_buf.h"
#include "results/report_fmt.h"

const char *lc_compare_outcome(const struct lc_compare *c)
{
    if (c->n_regressed)
        return "regressed";
    if (c->n_claims_not_held)
        return "claim not held";
    if (c->n_improved)
        return "improved";
    return "unchanged";
}

static const char *unit_name(enum lc_cmp_unit u)
{
    switch (u) {
    case LC_CMP_UNIT_NS:
        return "ns";
    case LC_CMP_UNIT_PER_S:
        return "/s";
    case LC_CMP_UNIT_FRAC:
        return "fraction";
    case LC_CMP_UNIT_PERCENT:
        return "%";
    case LC_CMP_UNIT_BYTES:
        return "bytes";
    }
    return "";
}

static char *fmt_val(char *buf, size_t size, enum lc_cmp_unit u, double v)
{
    switch (u) {
    case LC_CMP_UNIT_NS:
        return lc_report_fmt_ns(buf, size, v);
    case LC_CMP_UNIT_PER_S:
        return lc_report_fmt_rate(buf, size, v);
    case LC_CMP_UNIT_FRAC:
        return lc_report_fmt_frac(buf, size, v);
    case LC_CMP_UNIT_PERCENT:
        snprintf(buf, size, "%.1f%%", v);
        return buf;
    case LC_CMP_UNIT_BYTES:
        return lc_report_fmt_bytes(buf, size, v);
    }
    snprintf(buf, size, "%g", v);
    return buf;
}

/* The relative change: "+12.3%", "0%", or "from 0" when the baseline is 0. */
static char *fmt_change(char *buf, size_t size, const struct lc_cmp_metric *m)
{
    if (m->has_ratio) {
        double pct = (m->ratio - 1) * 100;
        if (fabs(pct) < 0.05)
            snprintf(buf, size, "0%%");
        else
            snprintf(buf, size, "%+.1f%%", pct);
    } else {
        snprintf(buf, size, "%s", m->cur == m->base ? "0%" : "from 0");
    }
    return buf;
}

/* The ratio interval as relative changes: "[+8.1%, +16.0%]", or "" without one. */
static char *fmt_interval(char *buf, size_t size, const struct lc_cmp_metric *m)
{
    if (m->has_ratio_ci)
        snprintf(buf, size, "[%+.1f%%, %+.1f%%]", (m->ratio_ci.lo - 1) * 100,
                 (m->ratio_ci.hi - 1) * 100);
    else
        buf[0] = '\0';
    return buf;
}

static char *fmt_p(char *buf, size_t size, const struct lc_cmp_metric *m)
{
    if (!m->has_test)
        snprintf(buf, size, "-");
    else if (m->p_adj < 1e-4)
        snprintf(buf, size, "<0.0001");
    else
        snprintf(buf, size, "%.2g", m->p_adj);
    return buf;
}

/* Display width of UTF-8 text (code points; what loadcell's units use is one column each). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* Append s padded with spaces to `cols` columns (left-aligned, or right-aligned when right). */
static void pad(struct lc_rbuf *b, const char *s, size_t cols, bool right)
{
    size_t w = width(s);
    if (right)
        for (size_t i = w; i < cols; i++)
            lc_rbuf_putc(b, ' ');
    lc_rbuf_puts(b, s);
    if (!right)
        for (size_t i = w; i < cols; i++)
            lc_rbuf_putc(b, ' ');
}

static const char *verdict_word(const struct lc_cmp_metric *m)
{
    return m->verdict == LC_CMP_NOT_JUDGED ? "-" : lc_compare_verdict_name(m->verdict);
}

static void fmt_claim_value(char *buf, size_t size, const struct lc_cmp_claim_outcome *o)
{
    if (!o->decided)
        snprintf(buf, size, "%s", o->why ? o->why : "undecided");
    else if (o->has_interval)
        snprintf(buf, size, "%.3g [%.3g, %.3g]", o->value, o->lo, o->hi);
    else
        snprintf(buf, size, "%.3g (no interval: judged on the point value)", o->value);
}

static void summary_counts(struct lc_rbuf *b, const struct lc_compare *c)
{
    lc_rbuf_printf(b, "%zu regressed, %zu improved, %zu unchanged, %zu not judged", c->n_regressed,
                   c->n_improved, c->n_unchanged, c->n_not_judged);
    if (c->n_claims)
        lc_rbuf_printf(b, "; %zu of %zu claims held", c->n_claims - c->n_claims_not_held,
                       c->n_claims);
}

static int finish(struct lc_rbuf *b, char **out, size_t *len, struct lc_error *err)
{
    int rc = lc_rbuf_error(b);
    char *text = rc ? NULL : lc_rbuf_take(b, len);
    lc_rbuf_free(b);
    if (!text)
        return lc_error_set(err, rc ? rc : LC_ENOMEM, "out of memory rendering the comparison");
    *out = text;
    return 0;
}

static const char *label(const char *s, const char *def)
{
    return s && *s ? s : def;
}

int lc_compare_render_text(const struct lc_compare *c, const struct lc_compare_fmt_opts *o,
                           char **out, size_t *len, struct lc_error *err)
{
    struct lc_compare_fmt_opts def = {0};
    if (!o)
        o = &def;
    struct lc_rbuf b;
    lc_rbuf_init(&b, 0);
    lc_rbuf_printf(&b, "loadcell compare: %s (baseline) vs %s (new), %s results\n",
                   label(o->base_label, "baseline"), label(o->cur_label, "new"),
                   c->bench ? "bench" : "load");
    lc_rbuf_printf(&b,
                   "significant: Holm-adjusted p < %g over %zu tests and the %g%% interval "
                   "excludes no change; changes within %g%% count as unchanged\n",
                   c->alpha, c->n_tests, (1 - c->alpha) * 100, c->tolerance * 100);
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "%g%% interval", (1 - c->alpha) * 100);
    const char *prev = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const struct lc_cmp_metric *m = &c->m[i];
        if (!prev || strcmp(prev, m->scope) != 0) {
            lc_rbuf_putc(&b, '\n');
            pad(&b, m->scope[0] ? m->scope : "total", 14, false);
            lc_rbuf_putc(&b, ' ');
            pad(&b, "baseline", 11, true);
            pad(&b, "new", 11, true);
            pad(&b, "change", 9, true);
            lc_rbuf_puts(&b, "  ");
            pad(&b, hdr, 20, false);
            pad(&b, "p", 8, true);
            lc_rbuf_puts(&b, "  verdict\n");
            prev = m->scope;
        }
        char vb[48], vc[48], ch[32], iv[64], p[24];
        lc_rbuf_puts(&b, "  ");
        pad(&b, m->name, 12, false);
        lc_rbuf_putc(&b, ' ');
        pad(&b, fmt_val(vb, sizeof(vb), m->unit, m->base), 11, true);
        pad(&b, fmt_val(vc, sizeof(vc), m->unit, m->cur), 11, true);
        pad(&b, fmt_change(ch, sizeof(ch), m), 9, true);
        lc_rbuf_puts(&b, "  ");
        pad(&b, fmt_interval(iv, sizeof(iv), m), 20, false);
        pad(&b, fmt_p(p, sizeof(p), m), 8, true);
        lc_rbuf_puts(&b, "  ");
        lc_rbuf_puts(&b, verdict_word(m));
        if (m->verdict == LC_CMP_NOT_JUDGED && m->note)
            lc_rbuf_printf(&b, " (%s)", m->note);
        lc_rbuf_putc(&b, '\n');
    }
    for (size_t i = 0; i < c->n_only_base; i++)
        lc_rbuf_printf(&b, "\nonly in the baseline (not compared): %s", c->only_base[i]);
    for (size_t i = 0; i < c->n_only_cur; i++)
        lc_rbuf_printf(&b, "\nonly in the new run (not compared): %s", c->only_cur[i]);
    if (c->n_only_base || c->n_only_cur)
        lc_rbuf_putc(&b, '\n');
    if (c->n_claims) {
        lc_rbuf_printf(&b,
                       "\nclaims (held only when the whole %g%% interval satisfies the claim):\n",
                       (1 - c->alpha) * 100);
        for (size_t i = 0; i < c->n_claims; i++) {
            const struct lc_cmp_claim_outcome *cl = &c->claims[i];
            char v[512];
            fmt_claim_value(v, sizeof(v), cl);
            lc_rbuf_printf(&b, "  %-9s %s: %s", cl->held ? "HELD" : "NOT HELD", cl->text, v);
            if (cl->decided && cl->subject && cl->subject[0])
                lc_rbuf_printf(&b, " (%s)", cl->subject);
            lc_rbuf_putc(&b, '\n');
        }
    }
    lc_rbuf_printf(&b, "\nverdict: %s: ", lc_compare_outcome(c));
    summary_counts(&b, c);
    lc_rbuf_putc(&b, '\n');
    return finish(&b, out, len, err);
}

int lc_compare_render_markdown(const struct lc_compare *c, const struct lc_compare_fmt_opts *o,
                               char **out, size_t *len, struct lc_error *err)
{
    struct lc_compare_fmt_opts def = {0};
    if (!o)
        o = &def;
    struct lc_rbuf b;
    lc_rbuf_init(&b, 0);
    const char *outcome = lc_compare_outcome(c);
    const char *icon = lc_compare_failed(c) ? "❌" : (c->n_improved ? "✅" : "➖");
    lc_rbuf_printf(&b, "### %s loadcell compare: %s\n\n", icon, outcome);
    lc_rbuf_puts(&b, "Baseline `");
    lc_rbuf_md(&b, label(o->base_label, "baseline"));
    lc_rbuf_puts(&b, "`, new `");
    lc_rbuf_md(&b, label(o->cur_label, "new"));
    lc_rbuf_puts(&b, "`: ");
    summary_counts(&b, c);
    lc_rbuf_printf(&b,
                   ". Significant: Holm-adjusted p < %g over %zu tests and the %g%% interval "
                   "excludes no change; tolerance %g%%.\n\n",
                   c->alpha, c->n_tests, (1 - c->alpha) * 100, c->tolerance * 100);
    lc_rbuf_printf(&b,
                   "| scope | metric | baseline | new | change | %g%% interval | p | verdict |\n"
                   "|---|---|---:|---:|---:|---|---:|---|\n",
                   (1 - c->alpha) * 100);
    for (size_t i = 0; i < c->n; i++) {
        const struct lc_cmp_metric *m = &c->m[i];
        char vb[48], vc[48], ch[32], iv[64], p[24];
        lc_rbuf_puts(&b, "| ");
        lc_rbuf_md(&b, m->scope[0] ? m->scope : "total");
        lc_rbuf_puts(&b, " | ");
        lc_rbuf_md(&b, m->name);
        lc_rbuf_printf(&b, " | %s | %s | %s | %s | %s | ",
                       fmt_val(vb, sizeof(vb), m->unit, m->base),
                       fmt_val(vc, sizeof(vc), m->unit, m->cur), fmt_change(ch, sizeof(ch), m),
                       fmt_interval(iv, sizeof(iv), m), fmt_p(p, sizeof(p), m));
        if (m->verdict == LC_CMP_REGRESSED)
            lc_rbuf_puts(&b, "❌ **regressed**");
        else if (m->verdict == LC_CMP_IMPROVED)
            lc_rbuf_puts(&b, "✅ improved");
        else if (m->verdict == LC_CMP_UNCHANGED)
            lc_rbuf_puts(&b, "unchanged");
        else
            lc_rbuf_md(&b, m->note ? m->note : "not judged");
        lc_rbuf_puts(&b, " |\n");
    }
    if (c->n_claims) {
        lc_rbuf_printf(&b,
                       "\n**Claims** (held only when the whole %g%% interval satisfies the "
                       "claim):\n\n| claim | outcome | value |\n|---|---|---|\n",
                       (1 - c->alpha) * 100);
        for (size_t i = 0; i < c->n_claims; i++) {
            const struct lc_cmp_claim_outcome *cl = &c->claims[i];
            char v[512];
            fmt_claim_value(v, sizeof(v), cl);
            lc_rbuf_puts(&b, "| `");
            lc_rbuf_md(&b, cl->text);
            lc_rbuf_printf(&b, "` | %s | ", cl->held ? "✅ held" : "❌ not held");
            lc_rbuf_md(&b, v);
            if (cl->decided && cl->subject && cl->subject[0]) {
                lc_rbuf_puts(&b, " (");
                lc_rbuf_md(&b, cl->subject);
                lc_rbuf_puts(&b, ")");
            }
            lc_rbuf_puts(&b, " |\n");
        }
    }
    for (size_t i = 0; i < c->n_only_base; i++) {
        lc_rbuf_puts(&b, i ? ", " : "\nOnly in the baseline (not compared): ");
        lc_rbuf_md(&b, c->only_base[i]);
    }
    for (size_t i = 0; i < c->n_only_cur; i++) {
        lc_rbuf_puts(&b, i ? ", " : "\nOnly in the new run (not compared): ");
        lc_rbuf_md(&b, c->only_cur[i]);
    }
    if (c->n_only_base || c->n_only_cur)
        lc_rbuf_putc(&b, '\n');
    return finish(&b, out, len, err);
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jci(const struct lc_stats_ci *ci)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "estimate", jnum(ci->estimate), "lo", jnum(ci->lo),
                     "hi", jnum(ci->hi), "level", jnum(ci->level));
}

static json_t *jstrs(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* jansson refuses invalid UTF-8 strings: json_string gives NULL, which packs as an error. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    return j ? j : json_string("?");
}

static json_t *metric_json(const struct lc_cmp_metric *m)
{
    json_t *j = json_pack("{s:o, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:I, s:I, s:s}", "scope",
                          jstr(m->scope), "metric", m->name, "unit", unit_name(m->unit),
                          "higher_is_better", m->higher_is_better, "baseline", jnum(m->base), "new",
                          jnum(m->cur), "ratio", m->has_ratio ? jnum(m->ratio) : json_null(),
                          "change_pct", m->has_ratio ? jnum((m->ratio - 1) * 100) : json_null(),
                          "n_baseline", (json_int_t)m->n_base, "n_new", (json_int_t)m->n_cur,
                          "verdict", lc_compare_verdict_name(m->verdict));
    if (!j)
        return NULL;
    json_object_set_new(j, "ratio_ci", m->has_ratio_ci ? jci(&m->ratio_ci) : json_null());
    json_object_set_new(j, "diff_ci", m->has_diff_ci ? jci(&m->diff_ci) : json_null());
    json_object_set_new(j, "test", m->has_test ? json_string(m->test) : json_null());
    json_object_set_new(j, "p", m->has_test ? jnum(m->p) : json_null());
    json_object_set_new(j, "p_adjusted", m->has_test ? jnum(m->p_adj) : json_null());
    json_object_set_new(j, "note", m->note ? json_string(m->note) : json_null());
    return j;
}

static json_t *claim_json(const struct lc_cmp_claim_outcome *o)
{
    json_t *j = json_pack("{s:o, s:b, s:b}", "claim", jstr(o->text), "decided", o->decided, "held",
                          o->held);
    if (!j)
        return NULL;
    json_object_set_new(j, "value", o->decided ? jnum(o->value) : json_null());
    json_object_set_new(j, "lo", o->decided && o->has_interval ? jnum(o->lo) : json_null());
    json_object_set_new(j, "hi", o->decided && o->has_interval ? jnum(o->hi) : json_null());
    json_object_set_new(j, "scope", jstr(o->subject));
    json_object_set_new(j, "reason", jstr(o->why));
    return j;
}

int lc_compare_render_json(const struct lc_compare *c, const struct lc_compare_fmt_opts *o,
                           char **out, size_t *len, struct lc_error *err)
{
    struct lc_compare_fmt_opts def = {0};
    if (!o)
        o = &def;
    json_t *doc = json_pack(
        "{s:s, s:o, s:o, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:I, s:{s:I, s:I, s:I, s:I}}", "schema",
        LC_COMPARE_SCHEMA, "baseline", jstr(o->base_label), "new", jstr(o->cur_label), "kind",
        c->bench ? "bench" : "load", "baseline_kind", lc_result_kind_name(c->base_kind), "new_kind",
        lc_result_kind_name(c->cur_kind), "failed", lc_compare_failed(c), "alpha", jnum(c->alpha),
        "tolerance", jnum(c->tolerance), "resamples", (json_int_t)c->resamples, "tests",
        (json_int_t)c->n_tests, "counts", "regressed", (json_int_t)c->n_regressed, "improved",
        (json_int_t)c->n_improved, "unchanged", (json_int_t)c->n_unchanged, "not_judged",
        (json_int_t)c->n_not_judged);
    json_t *metrics = json_array(), *claims = json_array();
    int rc = LC_ENOMEM;
    if (!doc || !metrics || !claims)
        goto fail;
    json_object_set_new(doc, "outcome", json_string(lc_compare_outcome(c)));
    for (size_t i = 0; i < c->n; i++) {
        json_t *m = metric_json(&c->m[i]);
        if (!m || json_array_append_new(metrics, m) != 0)
            goto fail;
    }
    for (size_t i = 0; i < c->n_claims; i++) {
        json_t *m = claim_json(&c->claims[i]);
        if (!m || json_array_append_new(claims, m) != 0)
            goto fail;
    }
    json_object_set_new(doc, "metrics", metrics);
    json_object_set_new(doc, "claims", claims);
    metrics = claims = NULL;
    json_object_set_new(doc, "only_in_baseline", jstrs(c->only_base, c->n_only_base));
    json_object_set_new(doc, "only_in_new", jstrs(c->only_cur, c->n_only_cur));
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    if (!text)
        goto fail;
    /* json_dumps gives malloc'd text without a final newline; add one. */
    size_t n = strlen(text);
    char *t2 = realloc(text, n + 2);
    if (!t2) {
        free(text);
        goto fail;
    }
    t2[n] = '\n';
    t2[n + 1] = '\0';
    *out = t2;
    if (len)
        *len = n + 1;
    rc = 0;
fail:
    json_decref(doc);
    json_decref(metrics);
    json_decref(claims);
    if (rc)
        return lc_error_set(err, rc, "out of memory rendering the comparison as JSON");
    return 0;
}
