/* Name resolution (once, before a run) and non-blocking TCP sockets. */
#ifndef LC_NET_ADDR_H
#define LC_NET_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/error.h"

#define LC_ADDR_MAX 16

/* Every address a host name resolved to, in getaddrinfo's order. */
struct lc_addr_list {
    struct sockaddr_storage addrs[LC_ADDR_MAX];
    socklen_t lens[LC_ADDR_MAX];
    size_t count;
};

/*
 * Resolve host:port for TCP. Returns 0, or LC_ERESOLVE with gai_strerror's
 * text and the name in err.
 */
int lc_addr_resolve(const char *host, const char *port, struct lc_addr_list *out,
                    struct lc_error *err) LC_WARN_UNUSED;

/* "127.0.0.1:8080" or "[::1]:8080" for messages. */
void lc_addr_format(const struct sockaddr_storage *addr, char *buf, size_t size);

/*
 * Open a non-blocking TCP socket with TCP_NODELAY and start connecting to
 * addr. Returns the fd (>= 0) with *in_progress set when the connect has not
 * finished yet, or -errno on failure (the caller classifies the errno).
 */
int lc_tcp_connect(const struct sockaddr_storage *addr, socklen_t len, int *in_progress);

/* After a connect in progress became writable: 0 if connected, else the errno. */
int lc_tcp_connect_result(int fd);

#endif
