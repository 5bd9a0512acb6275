/*
 * The built-in HTTP/1.1 target server of `loadcell serve`: N threads, each
 * with its own epoll loop, SO_REUSEPORT listener, connections, timers,
 * random generator and counters; behaviour per route (serve/behaviour.h).
 */
#ifndef LC_SERVE_SERVER_H
#define LC_SERVE_SERVER_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"
#include "serve/behaviour.h"

/* Most routes one server takes (--route is repeatable). */
#define LC_SERVE_MAX_ROUTES 64
/* Most threads. */
#define LC_SERVE_MAX_THREADS 256

/* What to run; lc_serve_create copies what it needs (the caller keeps ownership). */
struct lc_serve_options {
    const char *listen;                  /* "ADDR:PORT", "[::1]:PORT"; NULL: 127.0.0.1:8080 */
    uint32_t threads;                    /* 1..LC_SERVE_MAX_THREADS; 0 means 1 */
    uint64_t seed;                       /* used when seed_set */
    int seed_set;                        /* 0: seed from lc_rng_entropy() */
    struct lc_serve_behaviour behaviour; /* answers of paths no route matches */
    const struct lc_serve_route *routes; /* matched in order; the first match wins */
    uint32_t route_count;
    uint32_t max_conns_per_thread; /* 0: 65536; more are accepted and closed at once */
    /* HTTPS: the PEM certificate (chain) and its key; both NULL: plain HTTP. */
    const char *tls_cert_file;
    const char *tls_key_file;
    const char *tls_client_ca_file; /* NULL, or clients must present a certificate it signed */
};

/* A server; opaque. */
struct lc_serve;

/*
 * Split "ADDR:PORT" (IPv6 as "[ADDR]:PORT"; a host name is resolved) into a
 * socket address. Returns 0, or LC_EINVAL / LC_ERESOLVE with a message.
 */
int lc_serve_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
                          struct lc_error *err) LC_WARN_UNUSED;

/*
 * Validate the options, pre-build the shared answers (status lines, body
 * pattern, huge headers), bind and listen on one SO_REUSEPORT socket per
 * thread; with TLS, load the certificate and key first (net/tls_server.h).
 * Nothing is served until lc_serve_run. On success *out is the server (free it
 * with lc_serve_destroy). Returns 0, LC_EINVAL (bad options, an unusable
 * certificate or key: the message names the file), LC_ESYS (bind/listen
 * failed, e.g. the port is taken) or LC_ENOMEM.
 */
int lc_serve_create(const struct lc_serve_options *opt, struct lc_serve **out,
                    struct lc_error *err) LC_WARN_UNUSED;

/*
 * "http://127.0.0.1:41234" or "http://[::1]:41234" ("https://..." with TLS):
 * the bound address (port 0 resolved).
 */
const char *lc_serve_url(const struct lc_serve *s);

/* The bound port. */
uint16_t lc_serve_port(const struct lc_serve *s);

/*
 * Serve until lc_serve_stop: runs thread 0 on the calling thread and the
 * others on new threads, then joins them; every connection is closed and
 * per-thread memory freed before it returns. Returns 0, or a negative code
 * when a thread could not start or its loop failed (detail in err).
 */
int lc_serve_run(struct lc_serve *s, struct lc_error *err) LC_WARN_UNUSED;

/* Ask the threads to stop. Async-signal-safe (one write to an eventfd); idempotent. */
void lc_serve_stop(struct lc_serve *s);

/* ---- Reading the counters from another thread (live /metrics) ---------------------- */

struct lc_serve_counters;

/* Route counter slots: the routes, then the default behaviour (for lc_serve_counters_init). */
uint32_t lc_serve_route_slots(const struct lc_serve *s);

/* The name of route slot i: the route's path pattern, "default" for the last. */
const char *lc_serve_route_name(const struct lc_serve *s, uint32_t slot);

/* Server threads. */
uint32_t lc_serve_thread_count(const struct lc_serve *s);

/*
 * The counters GET /stats reports (since the start or the last POST
 * /stats/reset), summed over the threads with relaxed atomic loads while they
 * serve: it sends no request, so it counts nothing itself, and never blocks a
 * server thread (it takes only the reset mutex, which no request but /stats
 * uses). out: initialised by the caller with lc_serve_counters_init(out,
 * lc_serve_route_slots(s)). *uptime_s: seconds since lc_serve_create.
 * Thread-safe between lc_serve_create and lc_serve_destroy.
 */
void lc_serve_read_counters(struct lc_serve *s, struct lc_serve_counters *out, double *uptime_s);

/* Close the listeners and free the server (after lc_serve_run returned, or instead of it). */
void lc_serve_destroy(struct lc_serve *s);

#endif
