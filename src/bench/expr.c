/* A recursive-descent parser compiling derive expressions to postfix code, and its evaluator. */
#include "bench/expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/metrics.h"

enum op {
    OP_NUM, /* push a constant */
    OP_VAR, /* push values[arg] */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_NEG,
};

struct insn {
    enum op op;
    double num;
    size_t var;
};

struct lc_bench_expr {
    struct insn *code;
    size_t n_code;
    size_t max_stack; /* the deepest the evaluation stack gets */
    char **vars;
    size_t n_vars;
};

/* Parser state; errors stop at the first one. */
struct parser {
    const char *text;
    size_t pos;
    size_t depth;
    size_t stack; /* evaluation stack depth after the code so far */
    struct lc_bench_expr *e;
    size_t code_cap;
    struct lc_error *err;
};

static int fail(struct parser *p, const char *what)
{
    if (p->text[p->pos] == '\0')
        return lc_error_set(p->err, LC_EINVAL, "expression '%s': %s at the end", p->text, what);
    return lc_error_set(p->err, LC_EINVAL, "expression '%s': %s at byte %zu ('%.8s')", p->text,
                        what, p->pos + 1, p->text + p->pos);
}

static void skip_blanks(struct parser *p)
{
    while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t')
        p->pos++;
}

static int emit(struct parser *p, enum op op, double num, size_t var)
{
    struct lc_bench_expr *e = p->e;
    if (e->n_code == p->code_cap) {
        size_t cap = p->code_cap ? p->code_cap * 2 : 16;
        struct insn *c = realloc(e->code, cap * sizeof(*c));
        if (!c)
            return lc_error_set(p->err, LC_ENOMEM, "out of memory");
        e->code = c;
        p->code_cap = cap;
    }
    e->code[e->n_code++] = (struct insn){op, num, var};
    if (op == OP_NUM || op == OP_VAR) {
        if (++p->stack > e->max_stack)
            e->max_stack = p->stack;
    } else if (op != OP_NEG) {
        p->stack--;
    }
    return 0;
}

static int var_index(struct parser *p, const char *name, size_t len, size_t *out)
{
    struct lc_bench_expr *e = p->e;
    for (size_t i = 0; i < e->n_vars; i++) {
        if (strlen(e->vars[i]) == len && memcmp(e->vars[i], name, len) == 0) {
            *out = i;
            return 0;
        }
    }
    char **v = realloc(e->vars, (e->n_vars + 1) * sizeof(*v));
    if (!v)
        return lc_error_set(p->err, LC_ENOMEM, "out of memory");
    e->vars = v;
    char *copy = malloc(len + 1);
    if (!copy)
        return lc_error_set(p->err, LC_ENOMEM, "out of memory");
    memcpy(copy, name, len);
    copy[len] = '\0';
    e->vars[e->n_vars] = copy;
    *out = e->n_vars++;
    return 0;
}

static int parse_expr(struct parser *p);

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int parse_number(struct parser *p)
{
    const char *s = p->text + p->pos;
    size_t i = 0, digits = 0;
    while (is_digit(s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.') {
        i++;
        while (is_digit(s[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return fail(p, "expected a number");
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (!is_digit(s[j]))
            return fail(p, "expected digits after the exponent");
        while (is_digit(s[j]))
            j++;
        i = j;
    }
    if (is_name_start(s[i]) || s[i] == '.')
        return fail(p, "a name must not start with a digit");
    char buf[128];
    if (i >= sizeof(buf))
        return fail(p, "number too long");
    memcpy(buf, s, i);
    buf[i] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return fail(p, "number out of range");
    p->pos += i;
    return emit(p, OP_NUM, v, 0);
}

static int parse_primary(struct parser *p)
{
    skip_blanks(p);
    char c = p->text[p->pos];
    if (c == '(') {
        if (++p->depth > LC_BENCH_EXPR_MAX_DEPTH)
            return lc_error_set(p->err, LC_ERANGE, "expression '%s': nested too deeply", p->text);
        p->pos++;
        int rc = parse_expr(p);
        if (rc != 0)
            return rc;
        skip_blanks(p);
        if (p->text[p->pos] != ')')
            return fail(p, "expected ')'");
        p->pos++;
        p->depth--;
        return 0;
    }
    if (is_digit(c) || (c == '.' && is_digit(p->text[p->pos + 1])))
        return parse_number(p);
    if (is_name_start(c)) {
        size_t start = p->pos, len = 0;
        for (char k = c; is_name_start(k) || is_digit(k) || k == '.'; k = p->text[start + len])
            len++;
        if (len > LC_BENCH_METRIC_NAME_MAX)
            return fail(p, "name too long");
        size_t idx = 0;
        int rc = var_index(p, p->text + start, len, &idx);
        if (rc != 0)
            return rc;
        p->pos += len;
        return emit(p, OP_VAR, 0, idx);
    }
    return fail(p, "expected a number, a metric name or '('");
}

static int parse_unary(struct parser *p)
{
    skip_blanks(p);
    char c = p->text[p->pos];
    if (c == '-' || c == '+') {
        if (++p->depth > LC_BENCH_EXPR_MAX_DEPTH)
            return lc_error_set(p->err, LC_ERANGE, "expression '%s': nested too deeply", p->text);
        p->pos++;
        int rc = parse_unary(p);
        p->depth--;
        if (rc == 0 && c == '-')
            rc = emit(p, OP_NEG, 0, 0);
        return rc;
    }
    return parse_primary(p);
}

static int parse_term(struct parser *p)
{
    int rc = parse_unary(p);
    while (rc == 0) {
        skip_blanks(p);
        char c = p->text[p->pos];
        if (c != '*' && c != '/')
            break;
        p->pos++;
        rc = parse_unary(p);
        if (rc == 0)
            rc = emit(p, c == '*' ? OP_MUL : OP_DIV, 0, 0);
    }
    return rc;
}

static int parse_expr(struct parser *p)
{
    int rc = parse_term(p);
    while (rc == 0) {
        skip_blanks(p);
        char c = p->text[p->pos];
        if (c != '+' && c != '-')
            break;
        p->pos++;
        rc = parse_term(p);
        if (rc == 0)
            rc = emit(p, c == '+' ? OP_ADD : OP_SUB, 0, 0);
    }
    return rc;
}

void lc_bench_expr_free(struct lc_bench_expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_vars; i++)
        free(e->vars[i]);
    free(e->vars);
    free(e->code);
    free(e);
}

int lc_bench_expr_parse(const char *text, struct lc_bench_expr **out, struct lc_error *err)
{
    *out = NULL;
    if (!text)
        return lc_error_set(err, LC_EINVAL, "empty expression");
    if (strlen(text) > LC_BENCH_EXPR_MAX_LEN)
        return lc_error_set(err, LC_ERANGE, "expression longer than %d bytes",
                            LC_BENCH_EXPR_MAX_LEN);
    struct lc_bench_expr *e = calloc(1, sizeof(*e));
    if (!e)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    struct parser p = {.text = text, .e = e, .err = err};
    int rc = parse_expr(&p);
    if (rc == 0) {
        skip_blanks(&p);
        if (text[p.pos] == ')')
            rc = fail(&p, "unbalanced ')'");
        else if (text[p.pos] != '\0')
            rc = fail(&p, "expected an operator (+ - * /)");
    }
    if (rc != 0) {
        lc_bench_expr_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

size_t lc_bench_expr_var_count(const struct lc_bench_expr *e)
{
    return e->n_vars;
}

const char *lc_bench_expr_var_name(const struct lc_bench_expr *e, size_t i)
{
    return i < e->n_vars ? e->vars[i] : NULL;
}

int lc_bench_expr_eval(const struct lc_bench_expr *e, const double *values, double *out)
{
    /* max_stack is bounded by the code length, itself bounded by the text cap. */
    double stack[LC_BENCH_EXPR_MAX_LEN + 1];
    size_t sp = 0;
    for (size_t i = 0; i < e->n_code; i++) {
        const struct insn *in = &e->code[i];
        double r;
        switch (in->op) {
        case OP_NUM:
            stack[sp++] = in->num;
            continue;
        case OP_VAR:
            stack[sp++] = values[in->var];
            continue;
        case OP_NEG:
            stack[sp - 1] = -stack[sp - 1];
            continue;
        case OP_ADD:
            r = stack[sp - 2] + stack[sp - 1];
            break;
        case OP_SUB:
            r = stack[sp - 2] - stack[sp - 1];
            break;
        case OP_MUL:
            r = stack[sp - 2] * stack[sp - 1];
            break;
        case OP_DIV:
        default:
            if (stack[sp - 1] == 0)
                return LC_ERANGE;
            r = stack[sp - 2] / stack[sp - 1];
            break;
        }
        sp--;
        stack[sp - 1] = r;
    }
    if (sp != 1 || !isfinite(stack[0]))
        return LC_ERANGE;
    *out = stack[0];
    return 0;
}

void lc_bench_derive_free(struct lc_bench_derive *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->unit);
    free(d->text);
    lc_bench_expr_free(d->expr);
    memset(d, 0, sizeof(*d));
}

static char *dup_range(const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

int lc_bench_derive_parse(const char *text, struct lc_bench_derive *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *eq = text ? strchr(text, '=') : NULL;
    if (!eq)
        return lc_error_set(err, LC_EINVAL,
                            "--derive '%s': expected NAME = EXPRESSION (e.g. 'cost = tokens * "
                            "0.00002 / 1000')",
                            text ? text : "");
    const char *s = text, *end = eq;
    while (*s == ' ' || *s == '\t')
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    const char *name_end = end, *unit = NULL;
    size_t unit_len = 0;
    if (end > s && end[-1] == ']') {
        const char *open = memchr(s, '[', (size_t)(end - s));
        if (!open)
            goto bad_name;
        unit = open + 1;
        unit_len = (size_t)(end - 1 - unit);
        name_end = open;
        while (name_end > s && (name_end[-1] == ' ' || name_end[-1] == '\t'))
            name_end--;
        if (unit_len == 0 || unit_len > LC_BENCH_METRIC_UNIT_MAX)
            return lc_error_set(err, LC_EINVAL,
                                "--derive '%s': the unit in [] must be 1 to %d bytes", text,
                                LC_BENCH_METRIC_UNIT_MAX);
        for (size_t i = 0; i < unit_len; i++)
            if ((unsigned char)unit[i] < 0x21 || unit[i] == ']' || unit[i] == '[')
                return lc_error_set(err, LC_EINVAL, "--derive '%s': the unit must be one word",
                                    text);
    }
    if (!lc_bench_metric_name_ok(s, (size_t)(name_end - s)))
        goto bad_name;
    struct lc_error e2 = {0};
    int rc = lc_bench_expr_parse(eq + 1, &out->expr, &e2);
    if (rc != 0)
        return lc_error_set(err, rc, "--derive '%s': %s", text, e2.msg);
    out->name = dup_range(s, (size_t)(name_end - s));
    out->text = dup_range(text, strlen(text));
    out->unit = unit ? dup_range(unit, unit_len) : NULL;
    if (!out->name || !out->text || (unit && !out->unit)) {
        lc_bench_derive_free(out);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    return 0;
bad_name:
    return lc_error_set(err, LC_EINVAL,
                        "--derive '%s': the name before '=' must be letters, digits, '_' and '.' "
                        "(optionally with a unit: NAME[UNIT])",
                        text);
}
