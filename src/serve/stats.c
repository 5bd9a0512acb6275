/* Per-thread counters of `loadcell serve`, their sums and their JSON form. */
#include "serve/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lc_serve_counters_init(struct lc_serve_counters *c, uint32_t route_slots)
{
    memset(c, 0, sizeof(*c));
    c->by_route = calloc(route_slots ? route_slots : 1, sizeof(*c->by_route));
    if (!c->by_route)
        return LC_ENOMEM;
    c->route_slots = route_slots;
    return 0;
}

void lc_serve_counters_free(struct lc_serve_counters *c)
{
    free(c->by_route);
    c->by_route = NULL;
    c->route_slots = 0;
}

void lc_serve_counters_zero(struct lc_serve_counters *c)
{
    uint64_t *routes = c->by_route;
    uint32_t slots = c->route_slots;
    memset(c, 0, sizeof(*c));
    c->by_route = routes;
    c->route_slots = slots;
    if (routes)
        memset(routes, 0, slots * sizeof(*routes));
}

static inline void acc(uint64_t *sum, const uint64_t *src)
{
    *sum += __atomic_load_n(src, __ATOMIC_RELAXED);
}

static inline void sub(uint64_t *v, uint64_t base)
{
    *v = *v > base ? *v - base : 0;
}

void lc_serve_counters_accumulate(struct lc_serve_counters *sum,
                                  const struct lc_serve_counters *src)
{
    acc(&sum->requests, &src->requests);
    acc(&sum->health_requests, &src->health_requests);
    acc(&sum->stats_requests, &src->stats_requests);
    acc(&sum->bad_requests, &src->bad_requests);
    acc(&sum->connections, &src->connections);
    acc(&sum->bytes_in, &src->bytes_in);
    acc(&sum->bytes_out, &src->bytes_out);
    acc(&sum->errors, &src->errors);
    acc(&sum->tls_handshakes, &src->tls_handshakes);
    acc(&sum->tls_resumed, &src->tls_resumed);
    acc(&sum->tls_failed, &src->tls_failed);
    for (int k = 0; k < LC_CHAOS_COUNT; k++)
        acc(&sum->by_chaos[k], &src->by_chaos[k]);
    for (int s = 0; s < LC_SERVE_STATUS_SLOTS; s++)
        acc(&sum->by_status[s], &src->by_status[s]);
    uint32_t n = sum->route_slots < src->route_slots ? sum->route_slots : src->route_slots;
    for (uint32_t r = 0; r < n; r++)
        acc(&sum->by_route[r], &src->by_route[r]);
}

void lc_serve_counters_subtract(struct lc_serve_counters *c, const struct lc_serve_counters *base)
{
    sub(&c->requests, base->requests);
    sub(&c->health_requests, base->health_requests);
    sub(&c->stats_requests, base->stats_requests);
    sub(&c->bad_requests, base->bad_requests);
    sub(&c->connections, base->connections);
    sub(&c->bytes_in, base->bytes_in);
    sub(&c->bytes_out, base->bytes_out);
    sub(&c->errors, base->errors);
    sub(&c->tls_handshakes, base->tls_handshakes);
    sub(&c->tls_resumed, base->tls_resumed);
    sub(&c->tls_failed, base->tls_failed);
    for (int k = 0; k < LC_CHAOS_COUNT; k++)
        sub(&c->by_chaos[k], base->by_chaos[k]);
    for (int s = 0; s < LC_SERVE_STATUS_SLOTS; s++)
        sub(&c->by_status[s], base->by_status[s]);
    uint32_t n = c->route_slots < base->route_slots ? c->route_slots : base->route_slots;
    for (uint32_t r = 0; r < n; r++)
        sub(&c->by_route[r], base->by_route[r]);
}

/* json_object_set_new that reports failure (jansson frees the value on error). */
static int put(json_t *obj, const char *key, json_t *value)
{
    return value && json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

static int put_u64(json_t *obj, const char *key, uint64_t v)
{
    return put(obj, key, json_integer((json_int_t)v));
}

json_t *lc_serve_counters_json(const struct lc_serve_counters *c, const char *const *route_names,
                               uint32_t threads, double uptime_s)
{
    json_t *root = json_object();
    json_t *routes = json_object(), *statuses = json_object(), *chaos = json_object();
    int bad = !root || !routes || !statuses || !chaos;
    if (!bad) {
        for (uint32_t r = 0; r < c->route_slots; r++)
            bad |= put_u64(routes, route_names[r], c->by_route[r]);
        for (int s = 0; s < LC_SERVE_STATUS_SLOTS; s++) {
            if (c->by_status[s]) {
                char key[8];
                snprintf(key, sizeof(key), "%d", s);
                bad |= put_u64(statuses, key, c->by_status[s]);
            }
        }
        for (int k = 1; k < LC_CHAOS_COUNT; k++)
            bad |= put_u64(chaos, lc_chaos_name(k), c->by_chaos[k]);
        bad |= put_u64(root, "requests", c->requests);
        bad |= put(root, "by_route", routes);
        bad |= put(root, "by_status", statuses);
        bad |= put(root, "by_chaos", chaos);
        routes = statuses = chaos = NULL; /* owned by root now */
        bad |= put_u64(root, "errors", c->errors);
        bad |= put_u64(root, "health_requests", c->health_requests);
        bad |= put_u64(root, "stats_requests", c->stats_requests);
        bad |= put_u64(root, "bad_requests", c->bad_requests);
        bad |= put_u64(root, "connections_accepted", c->connections);
        bad |= put_u64(root, "bytes_in", c->bytes_in);
        bad |= put_u64(root, "bytes_out", c->bytes_out);
        bad |= put_u64(root, "tls_handshakes", c->tls_handshakes);
        bad |= put_u64(root, "tls_resumed", c->tls_resumed);
        bad |= put_u64(root, "tls_handshakes_failed", c->tls_failed);
        bad |= put_u64(root, "threads", threads);
        bad |= put(root, "uptime_s", json_real(uptime_s));
    }
    json_decref(routes);
    json_decref(statuses);
    json_decref(chaos);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}
