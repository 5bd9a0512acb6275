/* The live endpoints: listening sockets, libmicrohttpd daemons, routes, publishing. */
#include "live/live.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LISTEN_BACKLOG     64
#define MAX_CONNECTIONS    64 /* per server: scrapers and a few browser tabs */
#define CONN_TIMEOUT_S     15
#define STOP_HEADER        "X-Loadcell-Stop" /* a cross-site form cannot send it */
#define CONTROL_HEADER     "X-Loadcell-Control"
#define CONTROL_REPLY_LEN  256
#define CONTENT_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"
#define CSP                                                                                        \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "                  \
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"

enum { ROUTE_METRICS = 1, ROUTE_DASHBOARD = 2 };

struct server {
    struct lc_live *live;
    struct MHD_Daemon *daemon;
    int routes; /* ROUTE_* */
    uint16_t port;
    struct lc_live_snapshot *scratch; /* this server's private copy (one thread per server) */
};

struct lc_live {
    pthread_mutex_t lock;
    struct lc_live_snapshot *snap; /* the last published (under lock) */
    uint64_t seq;                  /* under lock */
    int stop_requested;            /* atomic */
    void (*on_stop)(void *ctx);
    int (*on_control)(void *ctx, const char *name, const char *value, char *reply, size_t size);
    void *ctx;
    struct server servers[2];
    int nservers;
    int metrics, dashboard; /* index into servers, or -1 */
    char metrics_url[128];
    char dashboard_url[128];
};

/* The first call of a request carries only its head: this marks that it was seen. */
static int request_seen;

int lc_live_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                         struct lc_error *err)
{
    char host[64];
    const char *port_text;
    if (!text || !*text)
        return lc_error_set(err, LC_EINVAL, "empty listen address (expected ADDR:PORT)");
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
            return lc_error_set(err, LC_EINVAL, "'%s': expected [IPV6]:PORT, e.g. [::1]:9100",
                                text);
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        size_t hl = colon ? (size_t)(colon - text) : 0;
        if (colon && strchr(text, ':') != colon)
            return lc_error_set(err, LC_EINVAL,
                                "'%s': write an IPv6 address in brackets, e.g. [::1]:9100", text);
        if (hl >= sizeof(host))
            return lc_error_set(err, LC_EINVAL, "'%s': address too long", text);
        memcpy(host, text, hl);
        host[hl] = '\0';
        port_text = colon ? colon + 1 : text;
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(port_text, &end, 10);
    if (!*port_text || *end || errno || port < 0 || port > 65535)
        return lc_error_set(err, LC_EINVAL, "'%s': the port must be a number 0..65535", text);
    if (!*host || strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    else if (strcmp(host, "*") == 0)
        snprintf(host, sizeof(host), "0.0.0.0");
    memset(addr, 0, sizeof(*addr));
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*v6);
    } else {
        return lc_error_set(err, LC_EINVAL,
                            "'%s': '%s' is not a numeric IP address (e.g. 127.0.0.1:9100, "
                            "[::1]:9100, 0.0.0.0:9100)",
                            text, host);
    }
    return 0;
}

/* Bind and listen; returns the socket or a negative code with err set. */
static int open_listener(const char *text, const struct sockaddr_storage *addr, socklen_t len,
                         struct lc_error *err)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return lc_error_sys(err, errno, "cannot listen on %s", text);
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (addr->ss_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        return lc_error_sys(err, e, "cannot listen on %s", text);
    }
    return fd;
}

/* The port a listening socket got, and its URL base "http://ADDR:PORT". */
static uint16_t bound(int fd, char *base, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN] = "?";
    uint16_t port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
            port = ntohs(v6->sin6_port);
        } else {
            const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
            port = ntohs(v4->sin_port);
        }
    }
    /* A wildcard address is reachable on loopback: print that, it is what works in a browser. */
    int v6 = ss.ss_family == AF_INET6;
    if (strcmp(host, "0.0.0.0") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    else if (strcmp(host, "::") == 0)
        snprintf(host, sizeof(host), "::1");
    snprintf(base, size, v6 ? "http://[%s]:%u" : "http://%s:%u", host, port);
    return port;
}

/* Queue a response and drop our reference to it. */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               struct MHD_Response *resp, const char *type)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result send_static(struct MHD_Connection *conn, unsigned status, const char *text,
                                   const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    return respond(conn, status, r, type);
}

/* Render the last snapshot with fn and send it; 503 when out of memory. */
static enum MHD_Result send_rendered(struct server *sv, struct MHD_Connection *conn,
                                     char *(*fn)(const struct lc_live_snapshot *, size_t *),
                                     const char *type)
{
    struct lc_live *l = sv->live;
    pthread_mutex_lock(&l->lock);
    memcpy(sv->scratch, l->snap, sizeof(*sv->scratch));
    pthread_mutex_unlock(&l->lock);
    if (__atomic_load_n(&l->stop_requested, __ATOMIC_ACQUIRE) &&
        sv->scratch->state < LC_LIVE_STOPPING)
        sv->scratch->state = LC_LIVE_STOPPING;
    size_t len = 0;
    char *text = fn(sv->scratch, &len);
    if (!text)
        return send_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n", "text/plain");
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r)
        free(text);
    return respond(conn, MHD_HTTP_OK, r, type);
}

static enum MHD_Result not_allowed(struct MHD_Connection *conn, const char *allow)
{
    const char *text = "method not allowed\n";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r, "text/plain");
}

static enum MHD_Result stop(struct server *sv, struct MHD_Connection *conn)
{
    struct lc_live *l = sv->live;
    if (!l->on_stop)
        return send_static(conn, MHD_HTTP_CONFLICT,
                           "{\"error\":\"this command cannot be stopped\"}", "application/json");
    if (!MHD_lookup_connection_value(conn, MHD_HEADER_KIND, STOP_HEADER))
        return send_static(conn, MHD_HTTP_FORBIDDEN,
                           "{\"error\":\"send the header " STOP_HEADER ": 1\"}",
                           "application/json");
    __atomic_store_n(&l->stop_requested, 1, __ATOMIC_RELEASE);
    l->on_stop(l->ctx);
    return send_static(conn, MHD_HTTP_ACCEPTED, "{\"stopping\":true}", "application/json");
}

/* Whether a request's Origin (when it has one) is the server's own: http://HOST. */
static int same_origin(struct MHD_Connection *conn)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return 1; /* curl, scripts: the custom header already rules out a cross-site form */
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    return host && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
}

static enum MHD_Result send_line(struct MHD_Connection *conn, unsigned status, const char *text)
{
    char line[CONTROL_REPLY_LEN + 2];
    int n = snprintf(line, sizeof(line), "%s\n", text);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, line, MHD_RESPMEM_MUST_COPY);
    return respond(conn, status, r, "text/plain; charset=utf-8");
}

/* POST /api/control?users=N or ?rate=R: hand it to the command, answer its verdict. */
static enum MHD_Result control(struct server *sv, struct MHD_Connection *conn)
{
    struct lc_live *l = sv->live;
    if (!l->on_control)
        return send_line(conn, MHD_HTTP_CONFLICT, "this command cannot be changed while it runs");
    if (!MHD_lookup_connection_value(conn, MHD_HEADER_KIND, CONTROL_HEADER) || !same_origin(conn))
        return send_line(conn, MHD_HTTP_FORBIDDEN,
                         "send the header " CONTROL_HEADER ": 1 from the dashboard's own origin");
    const char *users = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "users");
    const char *rate = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "rate");
    if ((users != NULL) == (rate != NULL))
        return send_line(conn, MHD_HTTP_BAD_REQUEST,
                         "give exactly one of users=N or rate=R in the query string, e.g. "
                         "POST /api/control?users=5");
    char reply[CONTROL_REPLY_LEN] = "";
    int rc =
        l->on_control(l->ctx, users ? "users" : "rate", users ? users : rate, reply, sizeof(reply));
    return send_line(conn,
                     rc == 0           ? MHD_HTTP_OK
                     : rc == LC_EAGAIN ? MHD_HTTP_CONFLICT
                                       : MHD_HTTP_BAD_REQUEST,
                     reply);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    struct server *sv = cls;
    (void)version;
    (void)upload_data;
    if (!*req_cls) {
        *req_cls = &request_seen;
        return MHD_YES;
    }
    if (*upload_data_size) { /* no route reads a body: drop it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int dash = sv->routes & ROUTE_DASHBOARD;
    if (strcmp(url, "/metrics") == 0) {
        if (!get)
            return not_allowed(conn, "GET, HEAD");
        return send_rendered(sv, conn, lc_live_render_prometheus, CONTENT_PROMETHEUS);
    }
    if (dash && strcmp(url, "/api/snapshot") == 0) {
        if (!get)
            return not_allowed(conn, "GET, HEAD");
        return send_rendered(sv, conn, lc_live_render_json, "application/json");
    }
    if (dash && strcmp(url, "/api/stop") == 0) {
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
            return not_allowed(conn, "POST");
        return stop(sv, conn);
    }
    if (dash && strcmp(url, "/api/control") == 0) {
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
            return not_allowed(conn, "POST");
        return control(sv, conn);
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) {
        if (!get)
            return not_allowed(conn, "GET, HEAD");
        if (!dash)
            return send_static(conn, MHD_HTTP_OK, "loadcell: Prometheus metrics are at /metrics\n",
                               "text/plain");
        struct MHD_Response *r = MHD_create_response_from_buffer(
            strlen(lc_live_dashboard_html), (void *)lc_live_dashboard_html, MHD_RESPMEM_PERSISTENT);
        if (r) {
            MHD_add_response_header(r, "Content-Security-Policy", CSP);
            MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        }
        return respond(conn, MHD_HTTP_OK, r, "text/html; charset=utf-8");
    }
    if (strcmp(url, "/favicon.ico") == 0)
        return send_static(conn, MHD_HTTP_NO_CONTENT, "", "text/plain");
    return send_static(conn, MHD_HTTP_NOT_FOUND, "not found\n", "text/plain");
}

/* Listen on text and start a daemon answering routes; fills sv. */
static int start_server(struct lc_live *l, struct server *sv, const char *text, int routes,
                        struct lc_error *err)
{
    struct sockaddr_storage addr;
    socklen_t len;
    int rc = lc_live_parse_listen(text, &addr, &len, err);
    if (rc != 0)
        return rc;
    sv->live = l;
    sv->routes = routes;
    sv->scratch = malloc(sizeof(*sv->scratch));
    if (!sv->scratch)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    int fd = open_listener(text, &addr, len, err);
    if (fd < 0)
        return fd;
    char base[96];
    sv->port = bound(fd, base, sizeof(base));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    sv->daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, handle, sv, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S, MHD_OPTION_END);
    if (!sv->daemon) {
        close(fd);
        return lc_error_set(err, LC_ESYS, "cannot start the HTTP server on %s", text);
    }
    if (routes & ROUTE_METRICS)
        snprintf(l->metrics_url, sizeof(l->metrics_url), "%s/metrics", base);
    if (routes & ROUTE_DASHBOARD)
        snprintf(l->dashboard_url, sizeof(l->dashboard_url), "%s/", base);
    return 0;
}

/* Whether two listen texts name the same address (so one server answers both). */
static int same_address(const char *a, const char *b)
{
    struct sockaddr_storage sa, sb;
    socklen_t la = 0, lb = 0;
    if (strcmp(a, b) == 0)
        return 1;
    if (lc_live_parse_listen(a, &sa, &la, NULL) != 0 ||
        lc_live_parse_listen(b, &sb, &lb, NULL) != 0)
        return 0;
    if (la != lb || sa.ss_family != sb.ss_family)
        return 0;
    if (sa.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&sa, *y = (const void *)&sb;
        return x->sin_port == y->sin_port && x->sin_port != 0 &&
               x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)&sa, *y = (const void *)&sb;
    return x->sin6_port == y->sin6_port && x->sin6_port != 0 &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

int lc_live_start(const struct lc_live_options *opt, struct lc_live **out, struct lc_error *err)
{
    *out = NULL;
    struct lc_live *l = calloc(1, sizeof(*l));
    if (!l)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    l->metrics = l->dashboard = -1;
    l->on_stop = opt->on_stop;
    l->on_control = opt->on_control;
    l->ctx = opt->ctx;
    pthread_mutex_init(&l->lock, NULL);
    l->snap = malloc(sizeof(*l->snap));
    if (!l->snap) {
        lc_live_stop(l);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    lc_live_snapshot_init(l->snap);
    int rc = 0;
    const char *m = opt->metrics_listen, *d = opt->dashboard_listen;
    if (m && d && same_address(m, d)) {
        rc = start_server(l, &l->servers[0], d, ROUTE_METRICS | ROUTE_DASHBOARD, err);
        l->nservers = 1;
        l->metrics = l->dashboard = 0;
    } else {
        if (m) {
            l->metrics = l->nservers;
            rc = start_server(l, &l->servers[l->nservers++], m, ROUTE_METRICS, err);
        }
        if (rc == 0 && d) {
            l->dashboard = l->nservers;
            rc = start_server(l, &l->servers[l->nservers++], d, ROUTE_METRICS | ROUTE_DASHBOARD,
                              err);
        }
    }
    if (rc != 0) {
        lc_live_stop(l);
        return rc;
    }
    *out = l;
    return 0;
}

void lc_live_publish(struct lc_live *l, const struct lc_live_snapshot *snap)
{
    pthread_mutex_lock(&l->lock);
    memcpy(l->snap, snap, sizeof(*snap));
    l->snap->seq = ++l->seq;
    pthread_mutex_unlock(&l->lock);
}

int lc_live_stop_requested(const struct lc_live *l)
{
    return __atomic_load_n(&l->stop_requested, __ATOMIC_ACQUIRE);
}

uint16_t lc_live_metrics_port(const struct lc_live *l)
{
    return l->metrics >= 0 ? l->servers[l->metrics].port : 0;
}

uint16_t lc_live_dashboard_port(const struct lc_live *l)
{
    return l->dashboard >= 0 ? l->servers[l->dashboard].port : 0;
}

const char *lc_live_metrics_url(const struct lc_live *l)
{
    return l->metrics >= 0 ? l->metrics_url : NULL;
}

const char *lc_live_dashboard_url(const struct lc_live *l)
{
    return l->dashboard >= 0 ? l->dashboard_url : NULL;
}

void lc_live_stop(struct lc_live *l)
{
    if (!l)
        return;
    for (int i = 0; i < 2; i++) {
        if (l->servers[i].daemon)
            MHD_stop_daemon(l->servers[i].daemon); /* joins its thread, closes the socket */
        free(l->servers[i].scratch);
    }
    pthread_mutex_destroy(&l->lock);
    free(l->snap);
    free(l);
}
