/* HTTP/1.1 request serialisation, done once per request template. */
#include "net/http1_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr("!#$%&'*+-.^_`|~", *s) &&
            !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

static int has_header(const struct lc_http1_request_spec *spec, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < spec->header_count; i++)
        if (strncasecmp(spec->headers[i], name, len) == 0 && spec->headers[i][len] == ':')
            return 1;
    return 0;
}

/* Append to a buffer sized in advance; returns -1 if it would overflow. */
struct out {
    char *buf;
    size_t len;
    size_t cap;
};

static int put(struct out *o, const char *s, size_t n)
{
    if (o->len + n > o->cap)
        return -1;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return 0;
}

static int puts_(struct out *o, const char *s)
{
    return put(o, s, strlen(s));
}

int lc_http1_request_build(const struct lc_http1_request_spec *spec, int repeat, char **out,
                           size_t *out_len, struct lc_error *err)
{
    if (!is_token(spec->method))
        return lc_error_set(err, LC_EINVAL, "invalid method '%s': expected a token like GET",
                            spec->method);
    size_t head_cap = strlen(spec->method) + strlen(spec->target) + strlen(spec->host) + 256;
    for (size_t i = 0; i < spec->header_count; i++) {
        const char *h = spec->headers[i];
        const char *colon = strchr(h, ':');
        if (strpbrk(h, "\r\n")) /* not echoed: the message must stay on one line */
            return lc_error_set(err, LC_EINVAL,
                                "invalid header: it contains a line break; give 'Name: value' "
                                "on one line");
        if (!colon || colon == h)
            return lc_error_set(err, LC_EINVAL,
                                "invalid header '%s': expected 'Name: value' on one line", h);
        char name[256];
        size_t nlen = (size_t)(colon - h);
        if (nlen >= sizeof(name))
            return lc_error_set(err, LC_EINVAL, "invalid header '%s': name too long", h);
        memcpy(name, h, nlen);
        name[nlen] = '\0';
        if (!is_token(name))
            return lc_error_set(err, LC_EINVAL, "invalid header name '%s'", name);
        head_cap += strlen(h) + 2;
    }
    if (repeat < 1)
        repeat = 1;
    size_t one_cap = head_cap + spec->body_len;
    struct out o = {.buf = malloc(one_cap * (size_t)repeat), .len = 0, .cap = one_cap};
    if (!o.buf)
        return lc_error_set(err, LC_ENOMEM, "out of memory building the request");

    int wants_length = spec->body_len > 0 || strcmp(spec->method, "POST") == 0 ||
                       strcmp(spec->method, "PUT") == 0 || strcmp(spec->method, "PATCH") == 0;
    int rc = puts_(&o, spec->method) | puts_(&o, " ") | puts_(&o, spec->target) |
             puts_(&o, " HTTP/1.1\r\n");
    if (!has_header(spec, "Host"))
        rc |= puts_(&o, "Host: ") | puts_(&o, spec->host) | puts_(&o, "\r\n");
    if (!has_header(spec, "User-Agent"))
        rc |= puts_(&o, "User-Agent: loadcell\r\n");
    for (size_t i = 0; i < spec->header_count; i++)
        rc |= puts_(&o, spec->headers[i]) | puts_(&o, "\r\n");
    if (wants_length && !has_header(spec, "Content-Length")) {
        char cl[48];
        snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", spec->body_len);
        rc |= puts_(&o, cl);
    }
    if (spec->close && !has_header(spec, "Connection"))
        rc |= puts_(&o, "Connection: close\r\n");
    rc |= puts_(&o, "\r\n");
    if (spec->body_len)
        rc |= put(&o, spec->body, spec->body_len);
    if (rc != 0) {
        free(o.buf);
        return lc_error_set(err, LC_EINVAL, "request too large to serialise");
    }
    size_t one = o.len;
    for (int i = 1; i < repeat; i++)
        memcpy(o.buf + one * (size_t)i, o.buf, one);
    *out = o.buf;
    *out_len = one * (size_t)repeat;
    return 0;
}
