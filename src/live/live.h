/*
 * The live HTTP endpoints of a running command: Prometheus /metrics and the
 * dashboard (a page, /api/snapshot, POST /api/stop, POST /api/control), served by libmicrohttpd
 * on its own thread from the last snapshot the command published.
 *
 * Threads: lc_live_publish may be called from any one thread (the load
 * engine's aggregator, once per second); it copies the snapshot under a mutex
 * and returns. Requests are answered on libmicrohttpd's thread from a private
 * copy, so a slow scraper never holds the publisher up for longer than a copy.
 */
#ifndef LC_LIVE_LIVE_H
#define LC_LIVE_LIVE_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"
#include "live/snapshot.h"

/* What to serve; lc_live_start copies what it needs. */
struct lc_live_options {
    /* "ADDR:PORT" for /metrics, or NULL. "[::1]:PORT" for IPv6; ":PORT" or "PORT" listen on
     * 127.0.0.1; port 0 picks a free port. */
    const char *metrics_listen;
    /* Same syntax, for the dashboard (which serves /metrics too), or NULL. When both name
     * the same address, one server answers everything. */
    const char *dashboard_listen;
    /* Called on the server's thread for POST /api/stop (once per request: make it
     * idempotent and quick, e.g. set an atomic flag). NULL: the Stop button is refused. */
    void (*on_stop)(void *ctx);
    /* Called on the server's thread for POST /api/control?NAME=VALUE (one of "users" or
     * "rate"; the request must carry the header X-Loadcell-Control and, when it has an
     * Origin, come from the page's own origin). Returns 0 with the new value in reply
     * (answered 200), LC_EAGAIN when no change can be applied now, e.g. the phase ends
     * first (409), or another non-zero for a bad value (400), with a one-line reason in
     * reply, which holds `size` bytes. NULL: the command cannot be controlled (409). */
    int (*on_control)(void *ctx, const char *name, const char *value, char *reply, size_t size);
    void *ctx;
};

/* A running set of endpoints; opaque. */
struct lc_live;

/*
 * Parse "ADDR:PORT", "[V6ADDR]:PORT", ":PORT" or "PORT" (numeric addresses
 * only: the address is where to listen, not a name to look up). Returns 0 or
 * LC_EINVAL with the reason in err.
 */
int lc_live_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                         struct lc_error *err) LC_WARN_UNUSED;

/*
 * Bind, listen and start serving. Until the first lc_live_publish the
 * endpoints answer with an empty "starting" snapshot. On success *out owns
 * the servers' threads and sockets (free with lc_live_stop). Returns 0,
 * LC_EINVAL (a malformed address), LC_ESYS (bind failed: the port is taken,
 * the address is not local...; err names the address and the reason) or
 * LC_ENOMEM.
 */
int lc_live_start(const struct lc_live_options *opt, struct lc_live **out,
                  struct lc_error *err) LC_WARN_UNUSED;

/* Publish snap (copied; the caller keeps it). Its seq is replaced by a growing count. */
void lc_live_publish(struct lc_live *l, const struct lc_live_snapshot *snap);

/* Whether POST /api/stop has been received at least once. Thread-safe. */
int lc_live_stop_requested(const struct lc_live *l);

/* The bound port of /metrics or of the dashboard (port 0 resolved); 0 when not served. */
uint16_t lc_live_metrics_port(const struct lc_live *l);
uint16_t lc_live_dashboard_port(const struct lc_live *l);

/* "http://127.0.0.1:9100/metrics", "http://[::1]:8090/"; NULL when not served. */
const char *lc_live_metrics_url(const struct lc_live *l);
const char *lc_live_dashboard_url(const struct lc_live *l);

/* Stop serving (open connections are closed), join the threads, free l. NULL is a no-op. */
void lc_live_stop(struct lc_live *l);

/* The dashboard page: one self-contained HTML document (inline CSS and JS, no external asset). */
extern const char lc_live_dashboard_html[];

#endif
