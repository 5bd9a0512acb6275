/* Parse http:// and https:// URLs into scheme, host, port and request target. */
#ifndef LC_NET_URL_H
#define LC_NET_URL_H

#include "core/error.h"

struct lc_url {
    char scheme[8];    /* "http" or "https" */
    char host[256];    /* without brackets for IPv6 literals */
    char port[8];      /* decimal; 80 or 443 when absent */
    char target[2048]; /* path and query, "/" when absent */
    int host_is_ipv6;  /* the host was a bracketed literal: Host header needs brackets */
    int port_explicit; /* the URL named a port */
};

/* Parse `text`. Returns 0, or LC_EINVAL with the reason in err. */
int lc_url_parse(const char *text, struct lc_url *url, struct lc_error *err) LC_WARN_UNUSED;

/* The Host header value: "host", "host:port" or "[v6]:port". */
void lc_url_host_header(const struct lc_url *url, char *buf, size_t size);

#endif
