/*
 * HTTP/1.1 message parsing in place: request and response heads as slices into
 * the caller's buffer, and an incremental body decoder (Content-Length,
 * chunked with trailers, until-close) that counts body bytes without copying.
 */
#ifndef LC_NET_HTTP1_PARSE_H
#define LC_NET_HTTP1_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Hard caps; exceeding one is a typed parse error, never a crash or a realloc. */
struct lc_http1_limits {
    size_t max_head_bytes;  /* whole head incl. start line; default 300 KB (as curl) */
    size_t max_header_line; /* one header line; default 100 KB */
    uint32_t max_headers;   /* header count; default 100 */
};

/* The defaults above. */
extern const struct lc_http1_limits lc_http1_default_limits;

/* Why a parse failed (the `error` field when a parser returns -1). */
enum lc_http1_error {
    LC_HTTP1_OK = 0,
    LC_HTTP1_E_START_LINE,       /* malformed status line or request line */
    LC_HTTP1_E_VERSION,          /* not HTTP/1.0 or HTTP/1.1 */
    LC_HTTP1_E_STATUS,           /* status code not 3 digits in 100..999 */
    LC_HTTP1_E_HEADER,           /* malformed header line */
    LC_HTTP1_E_HEADER_TOO_LONG,  /* one head line (start line too) above max_header_line */
    LC_HTTP1_E_HEAD_TOO_LARGE,   /* head above max_head_bytes */
    LC_HTTP1_E_TOO_MANY_HEADERS, /* more than max_headers */
    LC_HTTP1_E_CONTENT_LENGTH,   /* invalid or conflicting Content-Length */
    LC_HTTP1_E_TRANSFER_CODING,  /* a Transfer-Encoding other than chunked last */
    LC_HTTP1_E_CHUNK_SIZE,       /* malformed chunk-size line */
    LC_HTTP1_E_CHUNK_TOO_LONG,   /* chunk size with more than 16 hex digits */
    LC_HTTP1_E_CHUNK_DATA,       /* missing CRLF after chunk data */
    LC_HTTP1_E_TRAILER,          /* malformed or oversized trailer section */
    LC_HTTP1_E_TRUNCATED,        /* the connection closed inside a message */
    LC_HTTP1_E_COUNT
};

/* A short English reason for an error ("malformed status line"). */
const char *lc_http1_strerror(int error);

/* A header as two slices into the parsed buffer (valid while it is). */
struct lc_http1_header {
    const char *name;
    size_t name_len;
    const char *value; /* leading and trailing blanks removed */
    size_t value_len;
};

/* What the framing headers say; filled by both head parsers. */
struct lc_http1_framing {
    int64_t content_length;    /* -1 when absent */
    uint8_t chunked;           /* Transfer-Encoding ends in chunked (overrides Content-Length) */
    uint8_t transfer_encoding; /* a Transfer-Encoding header was present (chunked last or not);
                                  in a response without chunked last the body runs until close */
    uint8_t conn_close;        /* Connection: close */
    uint8_t conn_keep_alive;   /* Connection: keep-alive (matters for HTTP/1.0) */
    uint8_t expect_continue;   /* Expect: 100-continue (requests) */
};

/*
 * Whether the connection stays open after this message: HTTP/1.1 unless
 * Connection: close; HTTP/1.0 only with Connection: keep-alive (and no
 * close). The caller must still close after an until-close body.
 */
int lc_http1_keep_alive(int minor_version, const struct lc_http1_framing *framing);

struct lc_http1_response_head {
    int minor_version; /* 0 or 1 */
    int status;        /* 100..999 */
    const char *reason;
    size_t reason_len;
    struct lc_http1_framing framing;
    uint32_t header_count; /* all headers, also those beyond headers_cap */
    int error;             /* enum lc_http1_error, set when the parser returns -1 */
};

struct lc_http1_request_head {
    const char *method;
    size_t method_len;
    const char *target; /* request-target as sent, e.g. "/query?x=1" */
    size_t target_len;
    int minor_version;
    struct lc_http1_framing framing;
    uint32_t header_count;
    int error;
};

/*
 * Parse a response head at buf[0..len). `headers` (may be NULL) receives up
 * to `headers_cap` header slices; further headers are still checked and
 * counted. Returns the head's length in bytes including the blank line (> 0),
 * -2 when more bytes are needed (and the limits are not yet exceeded), or -1
 * when malformed (reason in head->error). Bare LF line ends are accepted.
 * `limits` NULL means lc_http1_default_limits. Nothing is read at or after
 * buf[len]; the head struct and slices point into buf (owned by the caller).
 * Stateless: after -2, call again with the same start and more bytes.
 */
int lc_http1_parse_response_head(const char *buf, size_t len, struct lc_http1_response_head *head,
                                 struct lc_http1_header *headers, size_t headers_cap,
                                 const struct lc_http1_limits *limits);

/*
 * The same for a request head (server side). Empty lines before the request
 * line are skipped (RFC 9112 2.2) and counted in the returned length. A
 * Transfer-Encoding whose final coding is not chunked is an error here.
 */
int lc_http1_parse_request_head(const char *buf, size_t len, struct lc_http1_request_head *head,
                                struct lc_http1_header *headers, size_t headers_cap,
                                const struct lc_http1_limits *limits);

/* How a message body is delimited. */
enum lc_http1_body_mode {
    LC_HTTP1_BODY_NONE,       /* no body (HEAD, 1xx, 204, 304, or a request without one) */
    LC_HTTP1_BODY_LENGTH,     /* Content-Length bytes */
    LC_HTTP1_BODY_CHUNKED,    /* chunked, then optional trailers */
    LC_HTTP1_BODY_UNTIL_CLOSE /* a response body that ends when the server closes */
};

/* Incremental body decoder state: small, lives in each connection. */
struct lc_http1_body {
    uint64_t remaining;     /* bytes left in the Content-Length body or the current chunk */
    uint64_t bytes;         /* payload bytes seen so far (framing not counted) */
    uint32_t line_bytes;    /* bytes of the current chunk-size or trailer line */
    uint32_t trailer_bytes; /* bytes of the trailer section so far */
    uint8_t mode;           /* enum lc_http1_body_mode */
    uint8_t state;          /* internal chunked-decoder state */
    uint8_t digits;         /* hex digits of the current chunk size */
    uint8_t done;           /* 1 when the body is complete */
    int error;              /* enum lc_http1_error after a -1 */
};

/*
 * Start decoding a response body. `request_was_head` makes it bodiless; 1xx,
 * 204 and 304 are bodiless too. Without Content-Length or chunked, the body
 * runs until close. A bodiless or zero-length body is `done` at once.
 */
void lc_http1_body_init_response(struct lc_http1_body *b, const struct lc_http1_response_head *head,
                                 int request_was_head);

/* Start decoding a request body (no Content-Length and not chunked: none). */
void lc_http1_body_init_request(struct lc_http1_body *b, const struct lc_http1_request_head *head);

/*
 * Consume body bytes from buf[0..len) without copying. Stops exactly at the
 * end of the body, so what follows (a pipelined message) is left unconsumed.
 * Returns the bytes consumed (sets b->done when complete), or -1 when the
 * framing is malformed (reason in b->error). Chunk sizes are limited to 16
 * hex digits; trailers to lc_http1_default_limits.max_head_bytes.
 */
ssize_t lc_http1_body_feed(struct lc_http1_body *b, const char *buf, size_t len);

/*
 * The peer closed the connection. Returns 0 when that completes the body
 * (until-close mode, or already done), or -1 with b->error = TRUNCATED.
 */
int lc_http1_body_eof(struct lc_http1_body *b);

#endif
