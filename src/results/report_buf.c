/* A growable text buffer with a hard cap, and the escapes reports need (HTML, CSV, Markdown). */
#include "results/report_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lc_rbuf_init(struct lc_rbuf *b, size_t max_bytes)
{
    memset(b, 0, sizeof(*b));
    b->max_bytes = max_bytes ? max_bytes : LC_RBUF_DEFAULT_CAP;
}

void lc_rbuf_free(struct lc_rbuf *b)
{
    if (!b)
        return;
    free(b->data);
    size_t max = b->max_bytes;
    memset(b, 0, sizeof(*b));
    b->max_bytes = max;
}

int lc_rbuf_error(const struct lc_rbuf *b)
{
    return b->error;
}

char *lc_rbuf_take(struct lc_rbuf *b, size_t *len)
{
    if (b->error) {
        lc_rbuf_free(b);
        return NULL;
    }
    char *out = b->data;
    size_t n = b->len;
    if (!out) {
        out = calloc(1, 1);
        n = 0;
    }
    b->data = NULL;
    b->len = 0;
    b->cap_bytes = 0;
    if (out && len)
        *len = n;
    return out;
}

/* Make room for n more bytes plus the NUL; false (and b failed) when that is impossible. */
static bool reserve(struct lc_rbuf *b, size_t n)
{
    if (b->error)
        return false;
    size_t max = b->max_bytes ? b->max_bytes : LC_RBUF_DEFAULT_CAP;
    if (n > max || b->len > max - n) {
        b->error = LC_ELIMIT;
        return false;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap_bytes)
        return true;
    size_t cap = b->cap_bytes ? b->cap_bytes : 4096;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->error = LC_ENOMEM;
        return false;
    }
    b->data = p;
    b->cap_bytes = cap;
    return true;
}

void lc_rbuf_add(struct lc_rbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void lc_rbuf_puts(struct lc_rbuf *b, const char *s)
{
    if (s)
        lc_rbuf_add(b, s, strlen(s));
}

void lc_rbuf_putc(struct lc_rbuf *b, char c)
{
    lc_rbuf_add(b, &c, 1);
}

void lc_rbuf_printf(struct lc_rbuf *b, const char *fmt, ...)
{
    if (b->error)
        return;
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->error = LC_EINVAL;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        lc_rbuf_add(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/*
 * Length of the valid UTF-8 sequence at s (at most `left` bytes), or 0 when
 * the bytes there are not one (overlong forms, surrogates and values above
 * U+10FFFF are invalid).
 */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void lc_rbuf_html(struct lc_rbuf *b, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        /* Copy the longest run of bytes that need no escaping in one go. */
        size_t run = 0;
        while (run < left) {
            unsigned char c = p[run];
            if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c >= 0x80 ||
                (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                break;
            run++;
        }
        if (run) {
            lc_rbuf_add(b, (const char *)p, run);
            p += run;
            left -= run;
            continue;
        }
        unsigned char c = *p;
        size_t n = 1;
        switch (c) {
        case '&':
            lc_rbuf_puts(b, "&amp;");
            break;
        case '<':
            lc_rbuf_puts(b, "&lt;");
            break;
        case '>':
            lc_rbuf_puts(b, "&gt;");
            break;
        case '"':
            lc_rbuf_puts(b, "&quot;");
            break;
        case '\'':
            lc_rbuf_puts(b, "&#39;");
            break;
        default:
            n = c >= 0x80 ? utf8_len(p, left) : 0;
            if (n == 0) {
                lc_rbuf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
                n = 1;
            } else {
                lc_rbuf_add(b, (const char *)p, n);
            }
        }
        p += n;
        left -= n;
    }
}

void lc_rbuf_csv(struct lc_rbuf *b, const char *s)
{
    if (!s || !*s)
        return;
    size_t len = strlen(s);
    bool quote = s[0] == ' ' || s[len - 1] == ' ' || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        lc_rbuf_add(b, s, len);
        return;
    }
    lc_rbuf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            lc_rbuf_putc(b, '"');
        lc_rbuf_putc(b, *p);
    }
    lc_rbuf_putc(b, '"');
}

/* Whether c is an ASCII letter or digit. */
static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void lc_rbuf_md(struct lc_rbuf *b, const char *s)
{
    if (!s)
        return;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == '\r' || c == '\n') {
            lc_rbuf_putc(b, ' ');
            continue;
        }
        /* Escape only what could start markup: a '<' before a tag-like character, an '_'
         * at a word boundary (GitHub ignores intraword underscores). */
        bool esc = strchr("|\\`*[]", c) != NULL;
        if (c == '<')
            esc = alnum(p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?';
        if (c == '_')
            esc = p == s || !alnum(p[-1]) || !alnum(p[1]);
        if (esc)
            lc_rbuf_putc(b, '\\');
        lc_rbuf_putc(b, c);
    }
}
