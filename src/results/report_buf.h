/* A growable text buffer with a hard cap, and the escapes reports need (HTML, CSV, Markdown). */
#ifndef LC_RESULTS_REPORT_BUF_H
#define LC_RESULTS_REPORT_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* The default cap of a report buffer: far above any sane report, low enough to fail early. */
#define LC_RBUF_DEFAULT_CAP (256u * 1024u * 1024u)

/*
 * A text buffer that report writers append to. Appends never return errors:
 * the first failure (out of memory, or growing past cap) makes the buffer
 * "failed", later appends do nothing, and the writer checks lc_rbuf_error
 * once at the end. data is always NUL-terminated once anything was appended
 * (NULL before). The buffer owns data; lc_rbuf_free releases it, or
 * lc_rbuf_take hands it to the caller.
 */
struct lc_rbuf {
    char *data;
    size_t len;
    size_t cap_bytes; /* allocated */
    size_t max_bytes; /* hard cap on len; 0 means LC_RBUF_DEFAULT_CAP */
    int error;        /* 0, LC_ENOMEM or LC_ELIMIT (the cap was reached) */
};

/* Zero b with a cap of max_bytes (0: the default). Allocates nothing. */
void lc_rbuf_init(struct lc_rbuf *b, size_t max_bytes);

/* Free b's memory and zero it (keeping nothing). NULL is a no-op. */
void lc_rbuf_free(struct lc_rbuf *b);

/* 0, or the error that made b fail (LC_ENOMEM, LC_ELIMIT). */
int lc_rbuf_error(const struct lc_rbuf *b);

/*
 * Hand b's text to the caller (malloc'd, NUL-terminated, owned by the caller;
 * an empty buffer gives ""), store its length in *len (may be NULL) and
 * reset b. Returns NULL when b failed or memory ran out (b is then freed).
 */
char *lc_rbuf_take(struct lc_rbuf *b, size_t *len);

/* Append n bytes of s (which need not be NUL-terminated). */
void lc_rbuf_add(struct lc_rbuf *b, const char *s, size_t n);

/* Append a NUL-terminated string (NULL appends nothing). */
void lc_rbuf_puts(struct lc_rbuf *b, const char *s);

/* Append one character. */
void lc_rbuf_putc(struct lc_rbuf *b, char c);

/* Append printf-formatted text. */
void lc_rbuf_printf(struct lc_rbuf *b, const char *fmt, ...) LC_PRINTF(2, 3);

/*
 * Append s escaped for HTML text and attribute values (& < > " ' become
 * entities). Bytes that are not valid UTF-8 and control characters other
 * than tab and newline become U+FFFD, so the page always parses. NULL
 * appends nothing.
 */
void lc_rbuf_html(struct lc_rbuf *b, const char *s);

/*
 * Append s as one CSV field (RFC 4180): quoted, with quotes doubled, when it
 * holds a comma, a quote, CR or LF, or starts or ends with a space. NULL is
 * an empty field.
 */
void lc_rbuf_csv(struct lc_rbuf *b, const char *s);

/*
 * Append s for a Markdown table cell or inline text: | \ ` * [ ] are
 * backslash-escaped, and so are '<' before a letter, '/', '!' or '?' (a tag)
 * and '_' at a word boundary; CR and LF become spaces. NULL appends nothing.
 */
void lc_rbuf_md(struct lc_rbuf *b, const char *s);

#endif
