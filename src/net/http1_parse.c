/* HTTP/1.1 head parsers (slices into the caller's buffer) and the incremental body decoder. */
#include "net/http1_parse.h"

#include <limits.h>
#include <string.h>

const struct lc_http1_limits lc_http1_default_limits = {
    .max_head_bytes = 300 * 1024,
    .max_header_line = 100 * 1024,
    .max_headers = 100,
};

static const char *const error_text[LC_HTTP1_E_COUNT] = {
    [LC_HTTP1_OK] = "no error",
    [LC_HTTP1_E_START_LINE] = "malformed status or request line",
    [LC_HTTP1_E_VERSION] = "unsupported HTTP version (not HTTP/1.0 or HTTP/1.1)",
    [LC_HTTP1_E_STATUS] = "malformed status code",
    [LC_HTTP1_E_HEADER] = "malformed header line",
    [LC_HTTP1_E_HEADER_TOO_LONG] = "header line too long",
    [LC_HTTP1_E_HEAD_TOO_LARGE] = "head too large",
    [LC_HTTP1_E_TOO_MANY_HEADERS] = "too many headers",
    [LC_HTTP1_E_CONTENT_LENGTH] = "invalid or conflicting Content-Length",
    [LC_HTTP1_E_TRANSFER_CODING] = "unsupported Transfer-Encoding (chunked must be last, once)",
    [LC_HTTP1_E_CHUNK_SIZE] = "malformed chunk-size line",
    [LC_HTTP1_E_CHUNK_TOO_LONG] = "chunk size longer than 16 hex digits",
    [LC_HTTP1_E_CHUNK_DATA] = "missing CRLF after chunk data",
    [LC_HTTP1_E_TRAILER] = "malformed or oversized chunked trailer",
    [LC_HTTP1_E_TRUNCATED] = "connection closed inside a message",
};

const char *lc_http1_strerror(int error)
{
    if (error < 0 || error >= LC_HTTP1_E_COUNT || !error_text[error])
        return "unknown HTTP/1 parse error";
    return error_text[error];
}

int lc_http1_keep_alive(int minor_version, const struct lc_http1_framing *framing)
{
    if (framing->conn_close)
        return 0;
    if (minor_version >= 1)
        return 1;
    return framing->conn_keep_alive ? 1 : 0;
}

/* ---- character classes ------------------------------------------------- */

/* RFC 9110 tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA. */
static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Hex digit value + 1 (0: not a hex digit). */
static const unsigned char hexval1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline int is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* A byte allowed in a field value or reason phrase: VCHAR, SP, HTAB, obs-text. */
static inline int is_field_byte(unsigned char c)
{
    return (c >= 0x20 && c != 0x7f) || c == '\t';
}

/*
 * 1 when every byte of p[0..n) is a field byte. Eight bytes at a time: a word
 * with no byte below 0x20 and none equal to 0x7f is fine as a whole; on a hit
 * (a tab, or a real control byte) the rest is checked byte by byte.
 */
static int field_bytes_ok(const unsigned char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t below = (x - ones * 0x20) & ~x & highs;
        uint64_t y = x ^ (ones * 0x7f);
        uint64_t del = (y - ones) & ~y & highs;
        if (below | del)
            break;
    }
    for (; i < n; i++)
        if (!is_field_byte(p[i]))
            return 0;
    return 1;
}

/* Case-insensitive compare of p[0..n) with a lowercase literal of letters and '-'. */
static inline int lower_eq(const char *p, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] | 0x20) != (unsigned char)lit[i])
            return 0;
    return 1;
}

/* ---- lines --------------------------------------------------------------- */

struct scan {
    const char *buf;
    size_t len;      /* bytes available */
    size_t scan_end; /* min(len, max_head_bytes): a head must end at or before it */
    const struct lc_http1_limits *lim;
};

/*
 * Find the line starting at `pos`. Returns 1 with the line's content (without
 * CRLF or LF) in *line / *line_len and the next line's start in *next; -2 when
 * the line is not complete yet; -1 with *err set when a limit is exceeded.
 * Reads only within buf[pos..scan_end).
 */
static inline int next_line(const struct scan *s, size_t pos, const char **line, size_t *line_len,
                            size_t *next, int *err)
{
    size_t max_line = s->lim->max_header_line;
    size_t avail = s->scan_end - pos;
    size_t search = avail;
    if (max_line < SIZE_MAX - 2 && search > max_line + 2)
        search = max_line + 2;
    const char *p = s->buf + pos;
    const char *nl = memchr(p, '\n', search);
    if (nl) {
        size_t n = (size_t)(nl - p);
        *next = pos + n + 1;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > max_line) {
            *err = LC_HTTP1_E_HEADER_TOO_LONG;
            return -1;
        }
        *line = p;
        *line_len = n;
        return 1;
    }
    /* No line end yet: is what we have already too long? (A final CR may still become CRLF.) */
    size_t pending = search;
    if (pending > 0 && p[pending - 1] == '\r')
        pending--;
    if (search < avail || pending > max_line) {
        *err = LC_HTTP1_E_HEADER_TOO_LONG;
        return -1;
    }
    if (s->len > s->scan_end) {
        *err = LC_HTTP1_E_HEAD_TOO_LARGE;
        return -1;
    }
    return -2;
}

/* ---- framing headers ----------------------------------------------------- */

struct field_ctx {
    struct lc_http1_framing *f;
    uint8_t chunked_seen; /* chunked appeared in some Transfer-Encoding element */
};

/* Content-Length: digits, or a comma list of equal digit strings; equal to any earlier one. */
static int parse_content_length(const char *v, size_t n, struct lc_http1_framing *f)
{
    int64_t val = -1;
    size_t i = 0;
    for (;;) {
        if (i == n || v[i] < '0' || v[i] > '9')
            return LC_HTTP1_E_CONTENT_LENGTH;
        int64_t x = 0;
        while (i < n && v[i] >= '0' && v[i] <= '9') {
            int d = v[i] - '0';
            if (x > (INT64_MAX - d) / 10)
                return LC_HTTP1_E_CONTENT_LENGTH;
            x = x * 10 + d;
            i++;
        }
        if (val >= 0 && x != val)
            return LC_HTTP1_E_CONTENT_LENGTH;
        val = x;
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
        if (i == n)
            break;
        if (v[i] != ',')
            return LC_HTTP1_E_CONTENT_LENGTH;
        i++;
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
    }
    if (f->content_length >= 0 && f->content_length != val)
        return LC_HTTP1_E_CONTENT_LENGTH;
    f->content_length = val;
    return 0;
}

/*
 * Transfer-Encoding: a comma list of codings (parameters after ';' skipped,
 * empty elements ignored). Tracks whether the final coding so far is chunked;
 * chunked twice is an error.
 */
static int parse_transfer_encoding(const char *v, size_t n, struct field_ctx *c)
{
    c->f->transfer_encoding = 1;
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows((unsigned char)v[i]) || v[i] == ','))
            i++;
        if (i == n)
            break;
        size_t start = i;
        while (i < n && tchar[(unsigned char)v[i]])
            i++;
        size_t name_len = i - start;
        if (name_len == 0)
            return LC_HTTP1_E_TRANSFER_CODING;
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
        if (i < n && v[i] == ';') {
            while (i < n && v[i] != ',')
                i++;
        } else if (i < n && v[i] != ',') {
            return LC_HTTP1_E_TRANSFER_CODING;
        }
        if (name_len == 7 && lower_eq(v + start, "chunked", 7)) {
            if (c->chunked_seen)
                return LC_HTTP1_E_TRANSFER_CODING;
            c->chunked_seen = 1;
            c->f->chunked = 1;
        } else {
            c->f->chunked = 0;
        }
    }
    return 0;
}

/* Connection: comma-separated options; only close and keep-alive matter. */
static void parse_connection(const char *v, size_t n, struct lc_http1_framing *f)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows((unsigned char)v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',' && !is_ows((unsigned char)v[i]))
            i++;
        size_t len = i - start;
        if (len == 5 && lower_eq(v + start, "close", 5))
            f->conn_close = 1;
        else if (len == 10 && lower_eq(v + start, "keep-alive", 10))
            f->conn_keep_alive = 1;
    }
}

/*
 * One header line p[0..n): `name ":" OWS value OWS`. Fills *out and applies
 * the framing headers. Returns 0 or an lc_http1_error.
 */
static int parse_field(const char *p, size_t n, struct lc_http1_header *out, struct field_ctx *c)
{
    size_t i = 0;
    while (i < n && tchar[(unsigned char)p[i]])
        i++;
    /* Empty name (also an obs-fold line starting with blanks), no colon, blank before it. */
    if (i == 0 || i == n || p[i] != ':')
        return LC_HTTP1_E_HEADER;
    size_t name_len = i++;
    while (i < n && is_ows((unsigned char)p[i]))
        i++;
    size_t end = n;
    while (end > i && is_ows((unsigned char)p[end - 1]))
        end--;
    const char *v = p + i;
    size_t vlen = end - i;
    if (!field_bytes_ok((const unsigned char *)v, vlen))
        return LC_HTTP1_E_HEADER;
    out->name = p;
    out->name_len = name_len;
    out->value = v;
    out->value_len = vlen;

    switch (name_len) {
    case 6:
        if (lower_eq(p, "expect", 6) && vlen == 12 && lower_eq(v, "100-continue", 12))
            c->f->expect_continue = 1;
        break;
    case 10:
        if (lower_eq(p, "connection", 10))
            parse_connection(v, vlen, c->f);
        break;
    case 14:
        if (lower_eq(p, "content-length", 14))
            return parse_content_length(v, vlen, c->f);
        break;
    case 17:
        if (lower_eq(p, "transfer-encoding", 17))
            return parse_transfer_encoding(v, vlen, c);
        break;
    default:
        break;
    }
    return 0;
}

/*
 * Header lines from `pos` up to and including the empty line. Returns the
 * head length, -2 or -1 (*err set); *count gets the number of header lines.
 */
static int parse_fields(const struct scan *s, size_t pos, struct lc_http1_framing *f,
                        struct lc_http1_header *headers, size_t headers_cap, uint32_t *count,
                        int *err)
{
    struct field_ctx c = {.f = f, .chunked_seen = 0};
    struct lc_http1_header scratch;
    uint32_t n = 0;
    for (;;) {
        const char *line;
        size_t line_len, next;
        int r = next_line(s, pos, &line, &line_len, &next, err);
        if (r != 1) {
            *count = n;
            return r;
        }
        if (line_len == 0) {
            *count = n;
            return (int)next;
        }
        if (n >= s->lim->max_headers) {
            *count = n;
            *err = LC_HTTP1_E_TOO_MANY_HEADERS;
            return -1;
        }
        struct lc_http1_header *out = headers && n < headers_cap ? &headers[n] : &scratch;
        int e = parse_field(line, line_len, out, &c);
        n++;
        if (e) {
            *count = n;
            *err = e;
            return -1;
        }
        pos = next;
    }
}

static void scan_init(struct scan *s, const char *buf, size_t len,
                      const struct lc_http1_limits *limits)
{
    s->buf = buf;
    s->len = len;
    s->lim = limits ? limits : &lc_http1_default_limits;
    size_t cap = s->lim->max_head_bytes;
    if (cap > INT_MAX)
        cap = INT_MAX;
    s->scan_end = len < cap ? len : cap;
}

static void framing_init(struct lc_http1_framing *f)
{
    memset(f, 0, sizeof(*f));
    f->content_length = -1;
}

/* ---- response head ------------------------------------------------------- */

/* "HTTP/1.x SP 3DIGIT [SP reason]". Returns 0 or an lc_http1_error. */
static int parse_status_line(const char *p, size_t n, struct lc_http1_response_head *h)
{
    if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
        return LC_HTTP1_E_START_LINE;
    if (n < 8 || p[5] != '1' || p[6] != '.' || (p[7] != '0' && p[7] != '1'))
        return LC_HTTP1_E_VERSION;
    if (n == 8)
        return LC_HTTP1_E_START_LINE;
    if (p[8] != ' ')
        return p[8] >= '0' && p[8] <= '9' ? LC_HTTP1_E_VERSION : LC_HTTP1_E_START_LINE;
    h->minor_version = p[7] - '0';
    if (n < 12 || p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' || p[11] < '0' ||
        p[11] > '9')
        return LC_HTTP1_E_STATUS;
    if (n > 12 && p[12] != ' ')
        return LC_HTTP1_E_STATUS;
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (n > 13) {
        if (!field_bytes_ok((const unsigned char *)p + 13, n - 13))
            return LC_HTTP1_E_START_LINE;
        h->reason = p + 13;
        h->reason_len = n - 13;
    } else {
        h->reason = p + n;
        h->reason_len = 0;
    }
    return 0;
}

int lc_http1_parse_response_head(const char *buf, size_t len, struct lc_http1_response_head *head,
                                 struct lc_http1_header *headers, size_t headers_cap,
                                 const struct lc_http1_limits *limits)
{
    struct scan s;
    memset(head, 0, sizeof(*head));
    framing_init(&head->framing);
    scan_init(&s, buf, len, limits);

    /* Reject a non-HTTP reply at once instead of waiting for its line end. */
    size_t pre = len < 5 ? len : 5;
    if (pre > 0 && memcmp(buf, "HTTP/", pre) != 0) {
        head->error = LC_HTTP1_E_START_LINE;
        return -1;
    }
    const char *line;
    size_t line_len, next;
    int err = 0;
    int r = next_line(&s, 0, &line, &line_len, &next, &err);
    if (r == 1) {
        err = parse_status_line(line, line_len, head);
        if (!err)
            r = parse_fields(&s, next, &head->framing, headers, headers_cap, &head->header_count,
                             &err);
        else
            r = -1;
    }
    if (r == -1)
        head->error = err;
    return r;
}

/* ---- request head -------------------------------------------------------- */

/* "METHOD SP request-target SP HTTP/1.x". Returns 0 or an lc_http1_error. */
static int parse_request_line(const char *p, size_t n, struct lc_http1_request_head *h)
{
    size_t i = 0;
    while (i < n && tchar[(unsigned char)p[i]])
        i++;
    if (i == 0 || i == n || p[i] != ' ')
        return LC_HTTP1_E_START_LINE;
    h->method = p;
    h->method_len = i++;
    size_t t = i;
    while (i < n && (unsigned char)p[i] > 0x20 && (unsigned char)p[i] != 0x7f)
        i++;
    if (i == t || i == n || p[i] != ' ')
        return LC_HTTP1_E_START_LINE;
    h->target = p + t;
    h->target_len = i - t;
    i++;
    const char *v = p + i;
    size_t vn = n - i;
    if (vn < 5 || memcmp(v, "HTTP/", 5) != 0)
        return LC_HTTP1_E_START_LINE;
    if (vn != 8 || v[5] != '1' || v[6] != '.' || (v[7] != '0' && v[7] != '1'))
        return LC_HTTP1_E_VERSION;
    h->minor_version = v[7] - '0';
    return 0;
}

int lc_http1_parse_request_head(const char *buf, size_t len, struct lc_http1_request_head *head,
                                struct lc_http1_header *headers, size_t headers_cap,
                                const struct lc_http1_limits *limits)
{
    struct scan s;
    memset(head, 0, sizeof(*head));
    framing_init(&head->framing);
    scan_init(&s, buf, len, limits);

    const char *line;
    size_t line_len, next, pos = 0;
    int err = 0;
    /* Skip empty lines before the request line (a client's stray CRLF after a body). */
    int r = next_line(&s, pos, &line, &line_len, &next, &err);
    while (r == 1 && line_len == 0) {
        pos = next;
        r = next_line(&s, pos, &line, &line_len, &next, &err);
    }
    if (r == 1) {
        err = parse_request_line(line, line_len, head);
        if (!err)
            r = parse_fields(&s, next, &head->framing, headers, headers_cap, &head->header_count,
                             &err);
        else
            r = -1;
    }
    if (r > 0 && head->framing.transfer_encoding && !head->framing.chunked) {
        err = LC_HTTP1_E_TRANSFER_CODING;
        r = -1;
    }
    if (r == -1)
        head->error = err;
    return r;
}

/* ---- body decoder -------------------------------------------------------- */

enum chunk_state {
    CH_SIZE,        /* hex digits of the chunk size */
    CH_SIZE_WS,     /* blanks after the size, before ';' or the line end */
    CH_EXT,         /* chunk extensions, skipped up to the line end */
    CH_SIZE_LF,     /* CR seen at the end of the size line */
    CH_DATA,        /* chunk data: `remaining` bytes */
    CH_DATA_CR,     /* CR (or bare LF) after the data */
    CH_DATA_LF,     /* LF after the data's CR */
    CH_TRAILER_BOL, /* start of a trailer line or of the final empty line */
    CH_TRAILER_NAME,
    CH_TRAILER_VALUE,
    CH_TRAILER_LF, /* CR seen at the end of a trailer line */
    CH_FINAL_LF,   /* CR seen on the final empty line */
    CH_DONE,
    CH_ERROR = 255
};

void lc_http1_body_init_response(struct lc_http1_body *b, const struct lc_http1_response_head *head,
                                 int request_was_head)
{
    const struct lc_http1_framing *f = &head->framing;
    memset(b, 0, sizeof(*b));
    if (request_was_head || (head->status >= 100 && head->status < 200) || head->status == 204 ||
        head->status == 304) {
        b->mode = LC_HTTP1_BODY_NONE;
        b->done = 1;
    } else if (f->chunked) {
        b->mode = LC_HTTP1_BODY_CHUNKED;
        b->state = CH_SIZE;
    } else if (f->transfer_encoding) {
        b->mode = LC_HTTP1_BODY_UNTIL_CLOSE;
    } else if (f->content_length >= 0) {
        b->mode = LC_HTTP1_BODY_LENGTH;
        b->remaining = (uint64_t)f->content_length;
        b->done = f->content_length == 0;
    } else {
        b->mode = LC_HTTP1_BODY_UNTIL_CLOSE;
    }
}

void lc_http1_body_init_request(struct lc_http1_body *b, const struct lc_http1_request_head *head)
{
    const struct lc_http1_framing *f = &head->framing;
    memset(b, 0, sizeof(*b));
    if (f->chunked) {
        b->mode = LC_HTTP1_BODY_CHUNKED;
        b->state = CH_SIZE;
    } else if (f->content_length >= 0) {
        b->mode = LC_HTTP1_BODY_LENGTH;
        b->remaining = (uint64_t)f->content_length;
        b->done = f->content_length == 0;
    } else {
        b->mode = LC_HTTP1_BODY_NONE;
        b->done = 1;
    }
}

static ssize_t body_fail(struct lc_http1_body *b, int error)
{
    b->state = CH_ERROR;
    b->error = error;
    return -1;
}

/* The chunked framing, one byte per step except inside chunk data. */
static ssize_t feed_chunked(struct lc_http1_body *b, const char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + len;
    const size_t max_line = lc_http1_default_limits.max_header_line;
    const size_t max_trailer = lc_http1_default_limits.max_head_bytes;

    while (p < end) {
        unsigned c = *p;
        switch (b->state) {
        case CH_SIZE: {
            unsigned v = hexval1[c];
            if (v) {
                if (b->digits == 16)
                    return body_fail(b, LC_HTTP1_E_CHUNK_TOO_LONG);
                b->remaining = (b->remaining << 4) | (v - 1);
                b->digits++;
                b->line_bytes++;
                p++;
                continue;
            }
            if (b->digits == 0)
                return body_fail(b, LC_HTTP1_E_CHUNK_SIZE);
            goto size_tail;
        }
        case CH_SIZE_WS:
        size_tail:
            if (c == '\r') {
                b->state = CH_SIZE_LF;
            } else if (c == '\n') {
                p++;
                goto size_line_done;
            } else if (c == ';') {
                b->state = CH_EXT;
            } else if (is_ows((unsigned char)c)) {
                b->state = CH_SIZE_WS;
            } else {
                return body_fail(b, LC_HTTP1_E_CHUNK_SIZE);
            }
            b->line_bytes++;
            p++;
            break;
        case CH_EXT:
            if (c == '\r') {
                b->state = CH_SIZE_LF;
            } else if (c == '\n') {
                p++;
                goto size_line_done;
            } else if (!is_field_byte((unsigned char)c)) {
                return body_fail(b, LC_HTTP1_E_CHUNK_SIZE);
            }
            b->line_bytes++;
            p++;
            break;
        case CH_SIZE_LF:
            if (c != '\n')
                return body_fail(b, LC_HTTP1_E_CHUNK_SIZE);
            p++;
        size_line_done:
            b->line_bytes = 0;
            b->digits = 0;
            b->state = b->remaining ? CH_DATA : CH_TRAILER_BOL;
            continue;
        case CH_DATA: {
            size_t avail = (size_t)(end - p);
            size_t n = b->remaining < avail ? (size_t)b->remaining : avail;
            p += n;
            b->bytes += n;
            b->remaining -= n;
            if (b->remaining == 0)
                b->state = CH_DATA_CR;
            continue;
        }
        case CH_DATA_CR:
            if (c == '\r')
                b->state = CH_DATA_LF;
            else if (c == '\n')
                b->state = CH_SIZE;
            else
                return body_fail(b, LC_HTTP1_E_CHUNK_DATA);
            p++;
            continue;
        case CH_DATA_LF:
            if (c != '\n')
                return body_fail(b, LC_HTTP1_E_CHUNK_DATA);
            b->state = CH_SIZE;
            p++;
            continue;
        case CH_TRAILER_BOL:
            if (c == '\r') {
                b->state = CH_FINAL_LF;
            } else if (c == '\n') {
                p++;
                goto done;
            } else if (tchar[c]) {
                b->state = CH_TRAILER_NAME;
            } else {
                return body_fail(b, LC_HTTP1_E_TRAILER);
            }
            goto trailer_byte;
        case CH_TRAILER_NAME:
            if (c == ':')
                b->state = CH_TRAILER_VALUE;
            else if (!tchar[c])
                return body_fail(b, LC_HTTP1_E_TRAILER);
            goto trailer_byte;
        case CH_TRAILER_VALUE:
            if (c == '\r') {
                b->state = CH_TRAILER_LF;
            } else if (c == '\n') {
                b->state = CH_TRAILER_BOL;
                b->line_bytes = 0;
            } else if (!is_field_byte((unsigned char)c)) {
                return body_fail(b, LC_HTTP1_E_TRAILER);
            }
            goto trailer_byte;
        case CH_TRAILER_LF:
            if (c != '\n')
                return body_fail(b, LC_HTTP1_E_TRAILER);
            b->state = CH_TRAILER_BOL;
            b->line_bytes = 0;
            goto trailer_byte;
        case CH_FINAL_LF:
            if (c != '\n')
                return body_fail(b, LC_HTTP1_E_TRAILER);
            p++;
            goto done;
        default:
            return body_fail(b, LC_HTTP1_E_CHUNK_SIZE);
        }
        /* Bytes of the chunk-size line end up here. */
        if (b->line_bytes > max_line)
            return body_fail(b, LC_HTTP1_E_CHUNK_SIZE);
        continue;
    trailer_byte:
        p++;
        b->trailer_bytes++;
        if (b->state != CH_TRAILER_BOL)
            b->line_bytes++;
        if (b->trailer_bytes > max_trailer || b->line_bytes > max_line)
            return body_fail(b, LC_HTTP1_E_TRAILER);
    }
    return (ssize_t)len;

done:
    b->state = CH_DONE;
    b->done = 1;
    b->line_bytes = 0;
    return (ssize_t)((const char *)p - buf);
}

ssize_t lc_http1_body_feed(struct lc_http1_body *b, const char *buf, size_t len)
{
    if (b->state == CH_ERROR)
        return -1;
    if (b->done)
        return 0;
    switch (b->mode) {
    case LC_HTTP1_BODY_LENGTH: {
        size_t n = b->remaining < len ? (size_t)b->remaining : len;
        b->remaining -= n;
        b->bytes += n;
        if (b->remaining == 0)
            b->done = 1;
        return (ssize_t)n;
    }
    case LC_HTTP1_BODY_UNTIL_CLOSE:
        b->bytes += len;
        return (ssize_t)len;
    case LC_HTTP1_BODY_CHUNKED:
        return feed_chunked(b, buf, len);
    default:
        b->done = 1;
        return 0;
    }
}

int lc_http1_body_eof(struct lc_http1_body *b)
{
    if (b->state == CH_ERROR)
        return -1;
    if (b->done)
        return 0;
    if (b->mode == LC_HTTP1_BODY_UNTIL_CLOSE) {
        b->done = 1;
        return 0;
    }
    b->state = CH_ERROR;
    b->error = LC_HTTP1_E_TRUNCATED;
    return -1;
}
