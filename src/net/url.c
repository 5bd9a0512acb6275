/* URL parsing for targets: scheme://host[:port][/path][?query]. */
#include "net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int copy_span(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

int lc_url_parse(const char *text, struct lc_url *url, struct lc_error *err)
{
    memset(url, 0, sizeof(*url));
    const char *sep = strstr(text, "://");
    if (!sep)
        return lc_error_set(err, LC_EINVAL, "invalid URL '%s': expected http://HOST[:PORT]/PATH",
                            text);
    size_t scheme_len = (size_t)(sep - text);
    if (scheme_len == 4 && strncasecmp(text, "http", 4) == 0)
        snprintf(url->scheme, sizeof(url->scheme), "http");
    else if (scheme_len == 5 && strncasecmp(text, "https", 5) == 0)
        snprintf(url->scheme, sizeof(url->scheme), "https");
    else
        return lc_error_set(err, LC_EINVAL, "invalid URL '%s': the scheme must be http or https",
                            text);
    const char *p = sep + 3;
    const char *host_end;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end || copy_span(url->host, sizeof(url->host), p + 1, (size_t)(host_end - p - 1)))
            return lc_error_set(err, LC_EINVAL, "invalid URL '%s': unterminated IPv6 literal",
                                text);
        url->host_is_ipv6 = 1;
        host_end++;
    } else {
        host_end = p + strcspn(p, ":/?#");
        if (copy_span(url->host, sizeof(url->host), p, (size_t)(host_end - p)))
            return lc_error_set(err, LC_EINVAL, "invalid URL '%s': host name too long", text);
    }
    if (!url->host[0])
        return lc_error_set(err, LC_EINVAL, "invalid URL '%s': no host", text);
    const char *rest = host_end;
    if (*rest == ':') {
        const char *port = rest + 1;
        size_t len = strspn(port, "0123456789");
        if (len == 0 || len > 5 || copy_span(url->port, sizeof(url->port), port, len))
            return lc_error_set(err, LC_EINVAL, "invalid URL '%s': bad port", text);
        long v = strtol(url->port, NULL, 10);
        if (v < 1 || v > 65535)
            return lc_error_set(err, LC_EINVAL, "invalid URL '%s': port must be 1..65535", text);
        url->port_explicit = 1;
        rest = port + len;
    } else {
        snprintf(url->port, sizeof(url->port), "%s",
                 strcmp(url->scheme, "https") == 0 ? "443" : "80");
    }
    if (*rest != '\0' && *rest != '/' && *rest != '?')
        return lc_error_set(err, LC_EINVAL, "invalid URL '%s': unexpected '%c' after the host",
                            text, *rest);
    size_t tlen = strcspn(rest, "#"); /* fragments are never sent */
    if (*rest == '?') {
        if (tlen + 1 >= sizeof(url->target))
            return lc_error_set(err, LC_EINVAL, "invalid URL '%s': path too long", text);
        url->target[0] = '/';
        memcpy(url->target + 1, rest, tlen);
        url->target[tlen + 1] = '\0';
    } else if (tlen == 0) {
        snprintf(url->target, sizeof(url->target), "/");
    } else if (copy_span(url->target, sizeof(url->target), rest, tlen)) {
        return lc_error_set(err, LC_EINVAL, "invalid URL '%s': path too long", text);
    }
    for (const char *c = url->target; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return lc_error_set(err, LC_EINVAL,
                                "invalid URL '%s': the path has a space or control character "
                                "(percent-encode it)",
                                text);
    return 0;
}

void lc_url_host_header(const struct lc_url *url, char *buf, size_t size)
{
    const char *open = url->host_is_ipv6 ? "[" : "";
    const char *close = url->host_is_ipv6 ? "]" : "";
    if (url->port_explicit)
        snprintf(buf, size, "%s%s%s:%s", open, url->host, close, url->port);
    else
        snprintf(buf, size, "%s%s%s", open, url->host, close);
}
