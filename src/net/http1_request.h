/* Serialise an HTTP/1.1 request once, so the hot path only writes bytes. */
#ifndef LC_NET_HTTP1_REQUEST_H
#define LC_NET_HTTP1_REQUEST_H

#include <stddef.h>

#include "core/error.h"

/* What to send; strings are borrowed for the duration of the build call. */
struct lc_http1_request_spec {
    const char *method;         /* "GET", "POST", ... (a token) */
    const char *target;         /* "/path?query" */
    const char *host;           /* the Host header value */
    const char *const *headers; /* "Name: value" strings, may be NULL */
    size_t header_count;
    const char *body; /* may be NULL */
    size_t body_len;
    int close; /* send Connection: close (a new connection per request) */
};

/*
 * Build the request bytes, repeated `repeat` times back to back (>= 1; for
 * pipelining). *out is malloc'd and owned by the caller. A Host, User-Agent
 * and (with a body, or for POST/PUT/PATCH) Content-Length header are added
 * unless the spec's headers already name them. Returns 0, or LC_EINVAL for
 * a bad method or a header without a colon or with a line break.
 */
int lc_http1_request_build(const struct lc_http1_request_spec *spec, int repeat, char **out,
                           size_t *out_len, struct lc_error *err) LC_WARN_UNUSED;

#endif
