/* Name resolution and non-blocking TCP connects. */
#include "net/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int lc_addr_resolve(const char *host, const char *port, struct lc_addr_list *out,
                    struct lc_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    memset(out, 0, sizeof(*out));
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return lc_error_set(err, LC_ERESOLVE, "cannot resolve '%s': %s", host, gai_strerror(rc));
    for (struct addrinfo *ai = res; ai && out->count < LC_ADDR_MAX; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(out->addrs[0]))
            continue;
        memcpy(&out->addrs[out->count], ai->ai_addr, ai->ai_addrlen);
        out->lens[out->count] = ai->ai_addrlen;
        out->count++;
    }
    freeaddrinfo(res);
    if (out->count == 0)
        return lc_error_set(err, LC_ERESOLVE, "cannot resolve '%s': no TCP address", host);
    return 0;
}

void lc_addr_format(const struct sockaddr_storage *addr, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
        snprintf(buf, size, "[%s]:%u", ip, ntohs(a6->sin6_port));
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
        snprintf(buf, size, "%s:%u", ip, ntohs(a4->sin_port));
    }
}

int lc_tcp_connect(const struct sockaddr_storage *addr, socklen_t len, int *in_progress)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *in_progress = 0;
    if (connect(fd, (const struct sockaddr *)addr, len) != 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            return -e;
        }
        *in_progress = 1;
    }
    return fd;
}

int lc_tcp_connect_result(int fd)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return errno;
    return soerr;
}
