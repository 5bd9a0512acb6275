/*
 * A load worker: one epoll loop driving its connections through the closed
 * or open model. The hot path makes no allocation, takes no lock (a live
 * control change takes one, once per change), does no atomic
 * read-modify-write and prints nothing; it writes requests optimistically
 * (EPOLLOUT is armed only after EAGAIN) and reads once per readiness event
 * unless the buffer came back full.
 */
#include "load/worker.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"

#define READ_BUF_BYTES      (64 * 1024)
#define MAX_EVENTS          256
#define SPILL_INITIAL_BYTES 2048
#define BACKOFF_FIRST_NS    (10 * LC_NS_PER_MS)
#define BACKOFF_MAX_NS      (1000 * LC_NS_PER_MS)
#define MAX_WAIT_NS         (100 * LC_NS_PER_MS)
#define RAMP_WAIT_NS        (10 * LC_NS_PER_MS) /* how often a ramping level is re-read */
#define TLS_SETTLE_NS       (50 * LC_NS_PER_MS) /* https: wait for post-handshake alerts */
#define MATCH_MAX           256                 /* longest expect body_contains text */

enum conn_state {
    C_CLOSED,     /* no socket; a timer (backoff or "now") reconnects it */
    C_CONNECTING, /* connect in progress; timer = connect timeout */
    C_HANDSHAKE,  /* https: TCP connected, TLS handshake in progress; timer = connect timeout */
    C_IDLE,       /* connected, nothing in flight */
    C_BUSY,       /* requests in flight (being written and/or awaiting responses) */
    C_THINKING,   /* closed model: pausing before the next request; timer = think end */
    C_DONE        /* stopping: will not be used again */
};

/*
 * Per-connection state, kept small (O(1) per connection): a partial response
 * head is copied into `spill` only when a read ends inside a head.
 */
struct lc_conn {
    int fd;
    uint8_t state;
    uint8_t in_body;        /* the current response's head is parsed */
    uint8_t got_first_byte; /* TTFB of the current response recorded */
    uint8_t close_after;    /* the server asked to close after this response */
    uint8_t want_write;     /* EPOLLOUT armed (a write hit EAGAIN) */
    uint8_t ever_connected;
    uint8_t status_bad;   /* the current response's status counts as an error */
    uint8_t body_matched; /* expect body_contains was found in the current body */
    uint8_t in_idle;      /* open model: listed in w->idle (the entry may be stale) */
    uint16_t inflight;    /* requests sent and not yet answered */
    uint16_t status;      /* the current response's status */
    uint16_t carry_len;   /* body check: bytes kept from the previous read */
    uint32_t index;
    uint32_t addr_index;
    uint32_t backoff_step;
    uint32_t spill_len;
    uint32_t spill_cap;
    char *spill;
    char *carry; /* body check: the tail of the previous read (allocated on first use) */
    struct lc_tls_conn *tls; /* https only: made at connect, freed at close; NULL for plain */
    const struct lc_load_request *req;
    size_t req_index;
    size_t write_off;
    size_t write_len;
    uint64_t connect_start_ns;
    uint64_t intended_ns; /* when the current request was meant to start */
    uint64_t sent_ns;     /* when it was written */
    struct lc_http1_body body;
    struct lc_timer timer;
};

#define conn_of_timer(t) ((struct lc_conn *)((char *)(t)-offsetof(struct lc_conn, timer)))

/* The recorder of the connection's current request. */
static inline struct lc_recorder *rec_req(struct lc_worker *w, const struct lc_conn *c)
{
    return &w->rec[w->cur][c->req_index];
}

/* The recorder of connection-level events (connects, connect failures). */
static inline struct lc_recorder *rec_conn(struct lc_worker *w)
{
    return &w->rec[w->cur][w->nrec - 1];
}

static inline const struct lc_load_phase *phase_of(struct lc_worker *w)
{
    return &w->shared->plan->phases[w->phase];
}

static inline const struct lc_load_plan *plan_of(struct lc_worker *w)
{
    return w->shared->plan;
}

int lc_worker_init(struct lc_worker *w, uint32_t index, uint32_t nconns,
                   struct lc_engine_shared *shared, struct lc_error *err)
{
    const struct lc_load_plan *plan = shared->plan;
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->shared = shared;
    w->nconns = nconns;
    w->wake_fd = -1;
    w->loop.fd = -1;
    int rc = lc_loop_init(&w->loop, err);
    if (rc != 0)
        return rc;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->wake_fd < 0)
        return lc_error_sys(err, errno, "eventfd");
    if (lc_loop_add(&w->loop, w->wake_fd, LC_EV_READ, &w->wake_fd) != 0)
        return lc_error_sys(err, errno, "epoll_ctl");
    w->conns = calloc(nconns ? nconns : 1, sizeof(*w->conns));
    w->idle = calloc(nconns ? nconns : 1, sizeof(*w->idle));
    w->buf = malloc(READ_BUF_BYTES);
    if (!w->conns || !w->idle || !w->buf || lc_timer_heap_init(&w->timers, nconns + 1) != 0)
        return lc_error_set(err, LC_ENOMEM, "out of memory for %u connections", nconns);
    w->nrec = plan->request_count + 1;
    for (int i = 0; i < 2; i++) {
        w->rec[i] = calloc(w->nrec, sizeof(*w->rec[i]));
        if (!w->rec[i])
            return lc_error_set(err, LC_ENOMEM, "out of memory for recorders");
        for (size_t k = 0; k < w->nrec; k++)
            if (lc_recorder_init(&w->rec[i][k]) != 0)
                return lc_error_set(err, LC_ENOMEM, "out of memory for histograms");
    }
    if (plan->request_count > 1) {
        w->mix_cdf = calloc(plan->request_count, sizeof(double));
        if (!w->mix_cdf)
            return lc_error_set(err, LC_ENOMEM, "out of memory");
        double sum = 0;
        for (size_t i = 0; i < plan->request_count; i++)
            sum += plan->requests[i].weight;
        double acc = 0;
        for (size_t i = 0; i < plan->request_count; i++) {
            acc += plan->requests[i].weight / sum;
            w->mix_cdf[i] = acc;
        }
    }
    for (size_t i = 0; i < plan->request_count; i++) {
        if (plan->requests[i].expect_body && !w->match_scratch) {
            w->match_scratch = malloc(2 * MATCH_MAX);
            if (!w->match_scratch)
                return lc_error_set(err, LC_ENOMEM, "out of memory");
        }
    }
    for (uint32_t i = 0; i < nconns; i++) {
        struct lc_conn *c = &w->conns[i];
        c->fd = -1;
        c->index = i;
        c->addr_index = i;
        lc_timer_init(&c->timer);
    }
    lc_rng_seed(&w->rng, plan->seed * 0x9e3779b97f4a7c15ULL + index + 1);
    return 0;
}

void lc_worker_free(struct lc_worker *w)
{
    if (w->conns) {
        for (uint32_t i = 0; i < w->nconns; i++) {
            lc_tls_conn_free(w->conns[i].tls);
            if (w->conns[i].fd >= 0)
                close(w->conns[i].fd);
            free(w->conns[i].spill);
            free(w->conns[i].carry);
        }
    }
    free(w->conns);
    free(w->idle);
    free(w->buf);
    free(w->mix_cdf);
    free(w->match_scratch);
    lc_tls_session_slot_clear(&w->tls_session);
    lc_timer_heap_free(&w->timers);
    for (int i = 0; i < 2; i++) {
        if (!w->rec[i])
            continue;
        for (size_t k = 0; k < w->nrec; k++)
            lc_recorder_free(&w->rec[i][k]);
        free(w->rec[i]);
    }
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    lc_loop_close(&w->loop);
}

void lc_worker_wake(struct lc_worker *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->wake_fd, &one, sizeof(one));
    (void)n; /* a full counter already means "wake up" */
}

/* ---- connection life cycle -------------------------------------------- */

static void start_connect(struct lc_worker *w, struct lc_conn *c, uint64_t now);
static void send_request(struct lc_worker *w, struct lc_conn *c, uint64_t now, uint64_t intended);
static void dispatch_open(struct lc_worker *w, uint64_t now);
static void count_unsent(struct lc_worker *w, uint64_t stop_ns);

static void arm(struct lc_worker *w, struct lc_conn *c, uint64_t deadline_ns)
{
    /* The heap has a slot per connection and each connection arms one timer. */
    (void)lc_timer_heap_add(&w->timers, &c->timer, deadline_ns);
}

static void drop_spill(struct lc_conn *c)
{
    free(c->spill);
    c->spill = NULL;
    c->spill_len = c->spill_cap = 0;
}

/* Close the socket; the connection stays in C_CLOSED until reconnected. */
static void close_conn(struct lc_worker *w, struct lc_conn *c)
{
    if (c->tls) {
        lc_tls_conn_free(c->tls);
        c->tls = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd); /* also removes it from the epoll set */
        c->fd = -1;
        if (c->state != C_CONNECTING && c->state != C_HANDSHAKE && w->active > 0)
            w->active--;
    }
    lc_timer_heap_remove(&w->timers, &c->timer);
    drop_spill(c);
    c->inflight = 0;
    c->in_body = 0;
    c->got_first_byte = 0;
    c->close_after = 0;
    c->want_write = 0;
    c->state = C_CLOSED;
}

/*
 * Reconnect after `delay_ns` through the connection's timer. Deferring even a
 * zero delay to the timer pass keeps stale events of the old socket in the
 * current batch from being applied to the new one.
 */
static void schedule_reconnect(struct lc_worker *w, struct lc_conn *c, uint64_t now,
                               uint64_t delay_ns)
{
    if (w->stopping) {
        c->state = C_DONE;
        return;
    }
    c->state = C_CLOSED;
    arm(w, c, now + delay_ns);
}

static uint64_t backoff_ns(struct lc_worker *w, struct lc_conn *c)
{
    uint64_t d = BACKOFF_FIRST_NS << (c->backoff_step < 7 ? c->backoff_step : 7);
    if (d > BACKOFF_MAX_NS)
        d = BACKOFF_MAX_NS;
    c->backoff_step++;
    /* Full jitter in [d/2, 3d/2): reconnecting users do not stampede together. */
    return d / 2 + lc_rng_range(&w->rng, 0, d - 1);
}

static int connect_fail_kind(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return LC_FAIL_CONNECT_REFUSED;
    case ETIMEDOUT:
        return LC_FAIL_CONNECT_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
        return LC_FAIL_CONNECT_UNREACHABLE;
    case EADDRNOTAVAIL:
        return LC_FAIL_PORTS_EXHAUSTED;
    default:
        return LC_FAIL_CONNECT_OTHER;
    }
}

static void connect_failed(struct lc_worker *w, struct lc_conn *c, int e, uint64_t now)
{
    if (w->running) {
        struct lc_recorder *r = rec_conn(w);
        r->failed++;
        r->fail[connect_fail_kind(e)]++;
    } else if (!w->first_connect_errno) {
        w->first_connect_errno = e;
    }
    close_conn(w, c);
    c->addr_index++; /* try the next resolved address next time */
    schedule_reconnect(w, c, now, backoff_ns(w, c));
}

/* Is this connection one of the current phase's active users (closed model)? */
static inline int is_user(struct lc_worker *w, const struct lc_conn *c)
{
    return c->index < w->users;
}

/*
 * Work for a connection that has just become free: after a connect, or after
 * its last response (`after_response`: closed-model users think first).
 */
static void conn_ready(struct lc_worker *w, struct lc_conn *c, uint64_t now, int after_response)
{
    const struct lc_load_phase *ph = phase_of(w);
    c->state = C_IDLE;
    if (!w->running)
        return;
    if (w->stopping || w->issued >= w->share) {
        c->state = C_DONE;
        return;
    }
    if (ph->model == LC_MODEL_OPEN) {
        /* A connection that closed while listed and came back keeps its entry:
         * listing it twice would overflow the list (one slot per connection). */
        if (!c->in_idle) {
            c->in_idle = 1;
            w->idle[w->idle_count++] = c->index;
        }
        dispatch_open(w, now);
        return;
    }
    if (!is_user(w, c))
        return; /* not a user in this phase now; woken when the level rises */
    if (ph->think_max_ns > 0 && after_response) {
        uint64_t think = ph->think_min_ns;
        if (ph->think_max_ns > ph->think_min_ns)
            think = lc_rng_range(&w->rng, ph->think_min_ns, ph->think_max_ns);
        c->state = C_THINKING;
        arm(w, c, now + think);
        return;
    }
    send_request(w, c, now, now);
}

/* The connection can carry requests (TCP connected, and TLS done for https). */
static void on_usable(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    struct lc_recorder *r = rec_conn(w);
    lc_timer_heap_remove(&w->timers, &c->timer);
    r->connects++;
    if (c->ever_connected)
        r->reconnects++;
    c->ever_connected = 1;
    c->backoff_step = 0;
    w->active++;
    conn_ready(w, c, now, 0);
}

/* Set the socket's interest to reading, plus writing when `want_write`. */
static int want_events(struct lc_worker *w, struct lc_conn *c, int want_write)
{
    if (c->want_write == want_write)
        return 0;
    uint32_t ev = want_write ? LC_EV_READ | LC_EV_WRITE : LC_EV_READ;
    if (lc_loop_mod(&w->loop, c->fd, ev, c) != 0)
        return -1;
    c->want_write = (uint8_t)want_write;
    return 0;
}

static int tls_fail_kind(int tls_kind)
{
    switch (tls_kind) {
    case LC_TLS_FAIL_HANDSHAKE:
        return LC_FAIL_TLS_HANDSHAKE;
    case LC_TLS_FAIL_VERIFY:
        return LC_FAIL_TLS_VERIFY;
    case LC_TLS_FAIL_VERSION:
        return LC_FAIL_TLS_VERSION;
    case LC_TLS_FAIL_RESET:
        return LC_FAIL_RESET;
    default:
        return LC_FAIL_TLS_OTHER;
    }
}

/* The TLS handshake failed: count it as a failed connect (kept for the message before the start).
 */
static void handshake_failed(struct lc_worker *w, struct lc_conn *c, const struct lc_tls_failure *f,
                             uint64_t now)
{
    if (w->running) {
        struct lc_recorder *r = rec_conn(w);
        r->failed++;
        r->fail[tls_fail_kind(f->kind)]++;
        if (f->verify_code)
            r->tls_verify_code = f->verify_code;
    } else if (!w->first_connect_errno && !w->first_tls_failed) {
        w->first_tls_failed = 1;
        w->first_tls_failure = *f;
    }
    close_conn(w, c);
    schedule_reconnect(w, c, now, backoff_ns(w, c));
}

/* Drive the handshake; on success the connection becomes usable. */
static void continue_handshake(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    struct lc_tls_failure f;
    int rc = lc_tls_conn_handshake(c->tls, &f);
    if (rc == LC_TLS_WANT_READ || rc == LC_TLS_WANT_WRITE) {
        if (want_events(w, c, rc == LC_TLS_WANT_WRITE) != 0)
            connect_failed(w, c, errno, now);
        return;
    }
    if (rc != LC_TLS_OK) {
        handshake_failed(w, c, &f, now);
        return;
    }
    if (want_events(w, c, 0) != 0) {
        connect_failed(w, c, errno, now);
        return;
    }
    /* A fresh clock read (once per connection): on loopback the server's whole
     * flight can arrive within the call that sent the ClientHello. */
    now = lc_clock_now_ns();
    struct lc_recorder *r = rec_conn(w);
    lc_hdr_record(&r->tls_handshake, (int64_t)(now - c->connect_start_ns));
    if (lc_tls_conn_resumed(c->tls))
        r->tls_resumed++;
    else
        r->tls_full++;
    on_usable(w, c, now);
}

/* TCP is connected: record the connect time, then start TLS (https) or use it. */
static void on_connected(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    const struct lc_load_plan *plan = plan_of(w);
    lc_hdr_record(&rec_conn(w)->connect, (int64_t)(now - c->connect_start_ns));
    if (!plan->tls) {
        on_usable(w, c, now);
        return;
    }
    c->tls = lc_tls_conn_new(plan->tls, c->fd, &w->tls_session);
    if (!c->tls) {
        connect_failed(w, c, ENOMEM, now);
        return;
    }
    c->state = C_HANDSHAKE;
    c->connect_start_ns = now; /* from here on: the handshake's start */
    lc_timer_heap_remove(&w->timers, &c->timer);
    arm(w, c, now + plan->connect_timeout_ns);
    continue_handshake(w, c, now);
}

static void start_connect(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    const struct lc_load_plan *plan = plan_of(w);
    const struct lc_addr_list *al = &plan->addrs;
    uint32_t ai = c->addr_index % (uint32_t)al->count;
    int in_progress = 0;
    int fd = lc_tcp_connect(&al->addrs[ai], al->lens[ai], &in_progress);
    if (fd < 0) {
        connect_failed(w, c, -fd, now);
        return;
    }
    c->fd = fd;
    c->connect_start_ns = now;
    if (in_progress) {
        c->state = C_CONNECTING;
        if (lc_loop_add(&w->loop, fd, LC_EV_WRITE, c) != 0) {
            connect_failed(w, c, errno, now);
            return;
        }
        arm(w, c, now + plan->connect_timeout_ns);
        return;
    }
    if (lc_loop_add(&w->loop, fd, LC_EV_READ, c) != 0) {
        connect_failed(w, c, errno, now);
        return;
    }
    on_connected(w, c, now);
}

/*
 * The connection failed with `kind` while `inflight` requests were out: each
 * counts as a failed request. Timeouts also put their elapsed time into the
 * latency histograms (never cut the tail off). Then reconnect.
 */
static void fail_conn(struct lc_worker *w, struct lc_conn *c, int kind, int http1_error,
                      uint64_t now)
{
    struct lc_recorder *r = c->inflight ? rec_req(w, c) : rec_conn(w);
    uint64_t n = c->inflight ? c->inflight : 1;
    if (w->running) {
        r->failed += n;
        r->fail[kind] += n;
        if (kind == LC_FAIL_MALFORMED)
            r->malformed[http1_error] += n;
        if (kind == LC_FAIL_TIMEOUT) {
            lc_hdr_record_n(&r->latency, (int64_t)(now - c->intended_ns), (int64_t)n);
            lc_hdr_record_n(&r->service, (int64_t)(now - c->sent_ns), (int64_t)n);
        }
    }
    close_conn(w, c);
    schedule_reconnect(w, c, now, 0);
}

/* ---- requests ---------------------------------------------------------- */

static size_t pick_request(struct lc_worker *w)
{
    const struct lc_load_plan *plan = plan_of(w);
    if (plan->request_count == 1)
        return 0;
    double u = lc_rng_uniform(&w->rng);
    for (size_t i = 0; i + 1 < plan->request_count; i++)
        if (u < w->mix_cdf[i])
            return i;
    return plan->request_count - 1;
}

/* A TLS read or write failed with requests in flight (or idle): fail the connection. */
static void tls_io_failed(struct lc_worker *w, struct lc_conn *c, const struct lc_tls_failure *f,
                          uint64_t now)
{
    if (w->running && f->verify_code) {
        rec_conn(w)->tls_verify_code = f->verify_code;
    } else if (!w->running && !w->first_connect_errno && !w->first_tls_failed) {
        w->first_tls_failed = 1; /* e.g. a TLS 1.3 server refusing our (missing) certificate */
        w->first_tls_failure = *f;
    }
    fail_conn(w, c, tls_fail_kind(f->kind), 0, now);
}

/* do_write over TLS: the same optimistic write, through the connection's SSL object. */
static void do_write_tls(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    const char *base = c->req->batch;
    while (c->write_off < c->write_len) {
        struct lc_tls_failure f;
        ssize_t n = lc_tls_conn_write(c->tls, base + c->write_off, c->write_len - c->write_off, &f);
        if (n > 0) {
            c->write_off += (size_t)n;
            rec_req(w, c)->bytes_out += (uint64_t)n;
            continue;
        }
        if (n == LC_TLS_WANT_WRITE) {
            (void)want_events(w, c, 1);
            return;
        }
        if (n == LC_TLS_WANT_READ)
            return; /* retried on the next event (on_event_tls) */
        tls_io_failed(w, c, &f, now);
        return;
    }
    (void)want_events(w, c, 0);
}

static void do_write(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    if (c->tls) { /* the one test plain connections pay per write */
        do_write_tls(w, c, now);
        return;
    }
    const char *base = c->req->batch;
    while (c->write_off < c->write_len) {
        ssize_t n = send(c->fd, base + c->write_off, c->write_len - c->write_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->write_off += (size_t)n;
            rec_req(w, c)->bytes_out += (uint64_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_write && lc_loop_mod(&w->loop, c->fd, LC_EV_READ | LC_EV_WRITE, c) == 0)
                c->want_write = 1;
            return;
        }
        fail_conn(w, c, errno == ECONNRESET ? LC_FAIL_RESET : LC_FAIL_WRITE, 0, now);
        return;
    }
    if (c->want_write && lc_loop_mod(&w->loop, c->fd, LC_EV_READ, c) == 0)
        c->want_write = 0;
}

static void send_request(struct lc_worker *w, struct lc_conn *c, uint64_t now, uint64_t intended)
{
    const struct lc_load_plan *plan = plan_of(w);
    c->req_index = pick_request(w);
    c->req = &plan->requests[c->req_index];
    struct lc_recorder *r = rec_req(w, c);
    uint64_t depth = phase_of(w)->model == LC_MODEL_CLOSED ? plan->pipeline : 1;
    if (depth > w->share - w->issued)
        depth = w->share - w->issued;
    c->write_off = 0;
    c->write_len = c->req->len * depth;
    /* Latency counts from the intended start in the open model (coordinated omission
     * corrected); in the closed model it is the service time, from the send, as the
     * docs and the summary say: a think timer that fires late is schedule lag (below),
     * not latency of the server. */
    c->intended_ns = phase_of(w)->model == LC_MODEL_OPEN ? intended : now;
    c->sent_ns = now;
    c->inflight = (uint16_t)depth;
    c->in_body = 0;
    c->got_first_byte = 0;
    c->state = C_BUSY;
    w->issued += depth;
    r->sent += depth;
    uint64_t lag = now > intended ? now - intended : 0;
    lc_hdr_record(&r->lag, (int64_t)lag);
    if (lag > plan->late_tolerance_ns && phase_of(w)->model == LC_MODEL_OPEN)
        r->late++;
    arm(w, c, now + plan->timeout_ns);
    do_write(w, c, now);
}

/*
 * Open model: the worker's next arrival. Arrivals fall where the phase's
 * cumulative level (requests so far) crosses k + 1/2; worker i takes every
 * T-th of them, starting at k = i, so together the workers form one evenly
 * spaced schedule that follows ramps without bursts. Poisson arrivals advance
 * by exponential steps of mean T in the same cumulative scale.
 */
static void advance_schedule(struct lc_worker *w)
{
    const struct lc_load_plan *plan = plan_of(w);
    uint32_t threads = plan->threads ? plan->threads : 1;
    if (plan->arrival == LC_ARRIVAL_POISSON)
        w->next_n += lc_rng_exponential(&w->rng, (double)threads);
    else
        w->next_n += threads;
    if (w->ctl_active) { /* a live rate: a hold from ctl_at_ns on */
        w->next_due_ns = w->ctl_at_ns + (uint64_t)(w->next_n / w->ctl_level * 1e9);
    } else {
        uint64_t t = lc_load_phase_time_of(phase_of(w), w->next_n);
        w->next_due_ns = t == UINT64_MAX ? UINT64_MAX : w->phase_start_ns + t;
    }
    if (w->next_due_ns >= w->phase_end_ns)
        w->next_due_ns = UINT64_MAX; /* the phase ends first */
}

static void start_schedule(struct lc_worker *w)
{
    const struct lc_load_plan *plan = plan_of(w);
    uint32_t threads = plan->threads ? plan->threads : 1;
    if (plan->arrival == LC_ARRIVAL_POISSON)
        w->next_n = -(double)threads; /* the first step lands on an exponential draw */
    else
        w->next_n = (double)w->index + 0.5 - threads;
    advance_schedule(w);
}

/* Open model: send every request that is due on the idle connections. */
static void dispatch_open(struct lc_worker *w, uint64_t now)
{
    while (!w->stopping && w->idle_count > 0 && w->next_due_ns <= now && w->issued < w->share) {
        struct lc_conn *c = &w->conns[w->idle[--w->idle_count]];
        c->in_idle = 0;
        if (c->state != C_IDLE || c->fd < 0)
            continue; /* it closed while idle */
        uint64_t intended = w->next_due_ns;
        advance_schedule(w);
        send_request(w, c, now, intended);
    }
}

/*
 * A response is complete: record it and decide what the connection does
 * next. Returns 1 when the connection was closed (stop using its buffer).
 */
static int complete_response(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    struct lc_recorder *r = rec_req(w, c);
    r->completed++;
    if (c->status_bad)
        r->status_failed[c->status]++;
    else if (c->req->expect_body && !c->body_matched && !c->req->is_head)
        r->body_check_failed++;
    lc_hdr_record(&r->latency, (int64_t)(now - c->intended_ns));
    lc_hdr_record(&r->service, (int64_t)(now - c->sent_ns));
    c->in_body = 0;
    c->got_first_byte = 0;
    if (--c->inflight > 0)
        return 0;
    lc_timer_heap_remove(&w->timers, &c->timer);
    if (c->close_after) {
        close_conn(w, c);
        schedule_reconnect(w, c, now, 0);
        return 1;
    }
    conn_ready(w, c, now, 1);
    return 0;
}

/* Keep a partial head in the connection's spill buffer (grown on demand, capped). */
static int spill_append(struct lc_worker *w, struct lc_conn *c, const char *data, size_t len,
                        size_t *taken)
{
    size_t cap_limit = plan_of(w)->limits.max_head_bytes + 1;
    size_t want = c->spill_len + len;
    if (want > cap_limit)
        want = cap_limit;
    if (want > c->spill_cap) {
        size_t cap = c->spill_cap ? c->spill_cap : SPILL_INITIAL_BYTES;
        while (cap < want)
            cap *= 2;
        if (cap > cap_limit)
            cap = cap_limit;
        char *p = realloc(c->spill, cap);
        if (!p)
            return -1;
        c->spill = p;
        c->spill_cap = (uint32_t)cap;
    }
    *taken = want - c->spill_len;
    memcpy(c->spill + c->spill_len, data, *taken);
    c->spill_len += (uint32_t)*taken;
    return 0;
}

/*
 * `expect: body_contains`: look for the text in the body bytes of one read,
 * including across the boundary with the previous read (its tail is kept in
 * c->carry). Matches the raw bytes: chunk framing inside the text defeats it.
 */
static void match_body(struct lc_worker *w, struct lc_conn *c, const char *data, size_t len)
{
    const char *needle = c->req->expect_body;
    size_t n = c->req->expect_body_len;
    if (c->body_matched || len == 0)
        return;
    if (!c->carry && n > 1 && !(c->carry = malloc(MATCH_MAX)))
        return; /* out of memory: the check is skipped, never a false error */
    if (c->carry_len > 0) {
        size_t head = len < n - 1 ? len : n - 1;
        memcpy(w->match_scratch, c->carry, c->carry_len);
        memcpy(w->match_scratch + c->carry_len, data, head);
        if (memmem(w->match_scratch, c->carry_len + head, needle, n)) {
            c->body_matched = 1;
            return;
        }
    }
    if (memmem(data, len, needle, n)) {
        c->body_matched = 1;
        return;
    }
    if (n > 1) { /* keep the last n - 1 bytes seen for the next read */
        size_t keep = n - 1;
        if (len >= keep) {
            memcpy(c->carry, data + len - keep, keep);
            c->carry_len = (uint16_t)keep;
        } else {
            size_t old = c->carry_len + len > keep ? keep - len : c->carry_len;
            memmove(c->carry, c->carry + c->carry_len - old, old);
            memcpy(c->carry + old, data, len);
            c->carry_len = (uint16_t)(old + len);
        }
    }
}

/* The head of a final response was parsed: judge its status, start its body. */
static void start_body(struct lc_conn *c, const struct lc_http1_response_head *head)
{
    const struct lc_load_request *req = c->req;
    int status = head->status < LC_STATUS_MAX ? head->status : LC_STATUS_MAX - 1;
    c->status = (uint16_t)status;
    if (req->expect_status_count) {
        c->status_bad = 1;
        for (size_t i = 0; i < req->expect_status_count; i++)
            if (req->expect_status[i] == head->status)
                c->status_bad = 0;
    } else {
        c->status_bad = status >= 400;
    }
    c->body_matched = 0;
    c->carry_len = 0;
    lc_http1_body_init_response(&c->body, head, req->is_head);
    if (!lc_http1_keep_alive(head->minor_version, &head->framing))
        c->close_after = 1;
    c->in_body = 1;
}

/*
 * Parse `len` bytes that arrived on c, in place. Returns 1 when the
 * connection was closed while doing so.
 */
static int process_bytes(struct lc_worker *w, struct lc_conn *c, const char *data, size_t len,
                         uint64_t now)
{
    const struct lc_load_plan *plan = plan_of(w);
    while (len > 0) {
        if (c->inflight == 0) {
            fail_conn(w, c, LC_FAIL_UNEXPECTED_DATA, 0, now);
            return 1;
        }
        struct lc_recorder *r = rec_req(w, c);
        if (!c->got_first_byte) {
            lc_hdr_record(&r->ttfb, (int64_t)(now - c->sent_ns));
            c->got_first_byte = 1;
        }
        if (!c->in_body) {
            struct lc_http1_response_head head;
            int hl;
            size_t used;
            if (c->spill_len == 0) {
                hl = lc_http1_parse_response_head(data, len, &head, NULL, 0, &plan->limits);
                if (hl == -2) {
                    size_t taken;
                    if (spill_append(w, c, data, len, &taken) != 0) {
                        fail_conn(w, c, LC_FAIL_MALFORMED, LC_HTTP1_E_HEAD_TOO_LARGE, now);
                        return 1;
                    }
                    return 0;
                }
                used = hl > 0 ? (size_t)hl : 0;
            } else {
                size_t before = c->spill_len, taken;
                if (spill_append(w, c, data, len, &taken) != 0) {
                    fail_conn(w, c, LC_FAIL_MALFORMED, LC_HTTP1_E_HEAD_TOO_LARGE, now);
                    return 1;
                }
                hl = lc_http1_parse_response_head(c->spill, c->spill_len, &head, NULL, 0,
                                                  &plan->limits);
                if (hl == -2 && taken == len)
                    return 0;
                if (hl == -2) { /* the spill is full and the head is still not complete */
                    head.error = LC_HTTP1_E_HEAD_TOO_LARGE;
                    hl = -1;
                }
                used = hl > 0 ? (size_t)hl - before : 0;
                drop_spill(c);
            }
            if (hl < 0) {
                fail_conn(w, c, LC_FAIL_MALFORMED, head.error, now);
                return 1;
            }
            data += used;
            len -= used;
            if (head.status < 200 && head.status != 101)
                continue; /* an interim response: the final one follows */
            r->status[head.status < LC_STATUS_MAX ? head.status : LC_STATUS_MAX - 1]++;
            start_body(c, &head);
        }
        if (!c->body.done) {
            ssize_t fed = lc_http1_body_feed(&c->body, data, len);
            if (fed < 0) {
                fail_conn(w, c, LC_FAIL_MALFORMED, c->body.error, now);
                return 1;
            }
            if (c->req->expect_body)
                match_body(w, c, data, (size_t)fed);
            data += fed;
            len -= (size_t)fed;
        }
        if (!c->body.done)
            break;
        if (complete_response(w, c, now))
            return 1;
    }
    return 0;
}

static void on_eof(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    if (c->inflight == 0) {
        /* The server closed an idle keep-alive connection: not an error. */
        close_conn(w, c);
        schedule_reconnect(w, c, now, 0);
        return;
    }
    if (c->in_body && lc_http1_body_eof(&c->body) == 0) {
        c->close_after = 1;
        complete_response(w, c, now);
        if (c->fd >= 0) { /* pipelined requests after an until-close body are lost */
            fail_conn(w, c, LC_FAIL_CLOSED_BEFORE_RESPONSE, 0, now);
        }
        return;
    }
    fail_conn(w, c,
              c->got_first_byte ? LC_FAIL_CLOSED_MID_RESPONSE : LC_FAIL_CLOSED_BEFORE_RESPONSE, 0,
              now);
}

/*
 * on_readable over TLS. Records the library read ahead are drained here (the
 * socket will not signal them again); a partial record waits for the socket.
 * bytes_in counts decrypted bytes, as over plain HTTP.
 */
static void on_readable_tls(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    for (;;) {
        struct lc_tls_failure f;
        ssize_t n = lc_tls_conn_read(c->tls, w->buf, READ_BUF_BYTES, &f);
        if (n > 0) {
            (c->inflight ? rec_req(w, c) : rec_conn(w))->bytes_in += (uint64_t)n;
            if (process_bytes(w, c, w->buf, (size_t)n, now))
                return;
            if (!lc_tls_conn_pending(c->tls))
                return;
            continue;
        }
        if (n == LC_TLS_WANT_READ)
            return;
        if (n == LC_TLS_WANT_WRITE) {
            (void)want_events(w, c, 1);
            return;
        }
        if (n == LC_TLS_CLOSED) {
            on_eof(w, c, now);
            return;
        }
        tls_io_failed(w, c, &f, now);
        return;
    }
}

static void on_readable(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    if (c->tls) { /* the one test plain connections pay per read */
        on_readable_tls(w, c, now);
        return;
    }
    for (;;) {
        ssize_t n = recv(c->fd, w->buf, READ_BUF_BYTES, 0);
        if (n > 0) {
            (c->inflight ? rec_req(w, c) : rec_conn(w))->bytes_in += (uint64_t)n;
            if (process_bytes(w, c, w->buf, (size_t)n, now))
                return;
            /* A short read drained the socket: do not read again for EAGAIN. */
            if (n < READ_BUF_BYTES)
                return;
            continue;
        }
        if (n == 0) {
            on_eof(w, c, now);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        fail_conn(w, c, errno == ECONNRESET ? LC_FAIL_RESET : LC_FAIL_READ, 0, now);
        return;
    }
}

/*
 * An event on a TLS connection. Either direction may need the other (a
 * write waiting for a read of the peer's records, and the reverse), so a
 * pending write is retried on any event and a writable socket also reads.
 */
static void on_event_tls(struct lc_worker *w, struct lc_conn *c, uint32_t events, uint64_t now)
{
    if (c->state == C_HANDSHAKE) {
        continue_handshake(w, c, now);
        return;
    }
    if (c->state == C_BUSY && c->write_off < c->write_len) {
        do_write_tls(w, c, now);
        if (c->fd < 0)
            return;
    } else if (c->want_write) {
        (void)want_events(w, c, 0);
    }
    if (events & (LC_EV_READ | LC_EV_HUP | LC_EV_ERROR | LC_EV_WRITE))
        on_readable_tls(w, c, now);
}

static void on_event(struct lc_worker *w, struct lc_conn *c, uint32_t events, uint64_t now)
{
    if (c->fd < 0)
        return; /* closed earlier in this batch */
    if (c->state == C_CONNECTING) {
        int e = lc_tcp_connect_result(c->fd);
        if (e != 0) {
            connect_failed(w, c, e, now);
            return;
        }
        if (lc_loop_mod(&w->loop, c->fd, LC_EV_READ, c) != 0) {
            connect_failed(w, c, errno, now);
            return;
        }
        on_connected(w, c, now);
        return;
    }
    if (c->tls) {
        on_event_tls(w, c, events, now);
        return;
    }
    if ((events & LC_EV_WRITE) && c->want_write) {
        do_write(w, c, now);
        if (c->fd < 0)
            return;
    }
    if (events & (LC_EV_READ | LC_EV_HUP | LC_EV_ERROR))
        on_readable(w, c, now);
}

static void on_timer(struct lc_worker *w, struct lc_conn *c, uint64_t now)
{
    switch (c->state) {
    case C_CONNECTING:
    case C_HANDSHAKE:
        connect_failed(w, c, ETIMEDOUT, now);
        break;
    case C_BUSY:
        fail_conn(w, c, LC_FAIL_TIMEOUT, 0, now);
        break;
    case C_THINKING:
        if (w->stopping || w->issued >= w->share)
            c->state = C_DONE;
        else if (!is_user(w, c) || phase_of(w)->model != LC_MODEL_CLOSED)
            conn_ready(w, c, now, 0);
        else
            send_request(w, c, now, c->timer.deadline_ns);
        break;
    case C_CLOSED:
        if (w->running && !w->stopping)
            start_connect(w, c, now);
        break;
    default:
        break;
    }
}

/* ---- phases and levels ------------------------------------------------- */

/* This worker's share of `total` (users or connections): an even split. */
static uint32_t share_of(struct lc_worker *w, uint32_t total)
{
    uint32_t threads = plan_of(w)->threads ? plan_of(w)->threads : 1;
    uint32_t n = total / threads + (w->index < total % threads);
    return n < w->nconns ? n : w->nconns;
}

/*
 * Closed model: follow the level. Users added start at once (connecting
 * first when needed); users removed finish their request and then rest,
 * keeping their connections.
 */
static void apply_level(struct lc_worker *w, uint64_t now)
{
    const struct lc_load_phase *ph = phase_of(w);
    if (ph->model != LC_MODEL_CLOSED)
        return;
    double level = w->ctl_active ? w->ctl_level : lc_load_phase_level(ph, now - w->phase_start_ns);
    uint32_t want = share_of(w, (uint32_t)(level + 1e-9));
    if (want == w->users)
        return;
    uint32_t old = w->users;
    w->users = want;
    for (uint32_t i = old; i < want; i++) {
        struct lc_conn *c = &w->conns[i];
        if (c->state == C_IDLE)
            conn_ready(w, c, now, 0);
        else if (c->state == C_CLOSED && !lc_timer_armed(&c->timer))
            start_connect(w, c, now);
    }
}

static int stage_ramps(const struct lc_load_phase *ph)
{
    for (size_t i = 0; i < ph->stage_count; i++)
        if (ph->stages[i].from != ph->stages[i].to)
            return 1;
    return 0;
}

/* Enter phase i at its start time. */
static void enter_phase(struct lc_worker *w, size_t i, uint64_t start_ns, uint64_t now)
{
    w->phase = i;
    w->phase_start_ns = start_ns;
    const struct lc_load_phase *ph = phase_of(w);
    w->phase_end_ns = ph->duration_ns ? start_ns + ph->duration_ns : UINT64_MAX;
    w->ramping = stage_ramps(ph);
    w->ctl_active = 0; /* a live change holds for its phase only */
    w->idle_count = 0;
    if (ph->model == LC_MODEL_OPEN) {
        w->users = 0;
        start_schedule(w);
        for (uint32_t k = 0; k < w->nconns; k++) {
            struct lc_conn *c = &w->conns[k];
            c->in_idle = 0;
            if (c->state == C_IDLE || c->state == C_THINKING) {
                lc_timer_heap_remove(&w->timers, &c->timer);
                c->state = C_IDLE;
                c->in_idle = 1;
                w->idle[w->idle_count++] = c->index;
            } else if (c->state == C_CLOSED && !lc_timer_armed(&c->timer)) {
                start_connect(w, c, now);
            }
        }
        dispatch_open(w, now);
    } else {
        w->next_due_ns = UINT64_MAX;
        w->users = 0; /* apply_level wakes the idle ones among the new phase's users */
        apply_level(w, now);
    }
}

/* Move to the phase that `now` falls in; returns 0 when the last phase is over. */
static int follow_phases(struct lc_worker *w, uint64_t now)
{
    const struct lc_load_plan *plan = plan_of(w);
    while (now >= w->phase_end_ns) {
        if (w->phase + 1 >= plan->phase_count)
            return 0;
        enter_phase(w, w->phase + 1, w->phase_end_ns, now);
    }
    if (w->ramping)
        apply_level(w, now);
    return 1;
}

/*
 * A live change of the running phase's level (the aggregator's tick carried
 * it): closed, the users follow at once (apply_level); open, the arrivals due
 * before the change and not sent are counted unsent, and the schedule starts
 * again at the change's time with the new rate (no burst to catch up; latency
 * counts from the new schedule's intended times). Once per change, not per request.
 */
static void apply_control(struct lc_worker *w)
{
    struct lc_engine_shared *sh = w->shared;
    pthread_mutex_lock(&sh->control_lock); /* once per change, not per request */
    w->control_seen = __atomic_load_n(&sh->control_gen, __ATOMIC_RELAXED);
    size_t phase = sh->control_phase;
    uint64_t at = sh->control_at_ns;
    double level = sh->control_level;
    pthread_mutex_unlock(&sh->control_lock);
    uint64_t now = lc_clock_now_ns();
    if (w->phase < phase && !follow_phases(w, now))
        return;
    if (w->phase != phase || w->stopping)
        return;
    w->ramping = 0;
    if (phase_of(w)->model == LC_MODEL_OPEN)
        count_unsent(w, at); /* by the schedule in force until now */
    w->ctl_active = 1;
    w->ctl_level = level;
    w->ctl_at_ns = at;
    if (phase_of(w)->model == LC_MODEL_CLOSED) {
        apply_level(w, now);
        return;
    }
    start_schedule(w);
    dispatch_open(w, now);
}

/* ---- the loop ---------------------------------------------------------- */

static void drain_wake(struct lc_worker *w)
{
    uint64_t v;
    ssize_t n = read(w->wake_fd, &v, sizeof(v));
    (void)n;
}

/* The aggregator asked for a tick: swap recorders and acknowledge. */
static void maybe_tick(struct lc_worker *w)
{
    uint64_t req = __atomic_load_n(&w->shared->tick_req, __ATOMIC_ACQUIRE);
    if (req == w->tick_seen)
        return;
    /* The gauge: active users in a closed phase, open connections in an open one. */
    w->rec[w->cur][w->nrec - 1].active =
        phase_of(w)->model == LC_MODEL_CLOSED ? w->users : w->active;
    w->cur ^= 1;
    w->tick_seen = req;
    __atomic_store_n(&w->tick_ack, req, __ATOMIC_RELEASE);
    if (__atomic_load_n(&w->shared->control_gen, __ATOMIC_RELAXED) != w->control_seen)
        apply_control(w);
}

static uint64_t inflight_total(struct lc_worker *w)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < w->nconns; i++)
        n += w->conns[i].inflight;
    return n;
}

/* One pass: wait for events until `deadline`, handle them, run due timers. */
static void loop_once(struct lc_worker *w, uint64_t deadline)
{
    struct lc_loop_event evs[MAX_EVENTS];
    uint64_t now = lc_clock_now_ns();
    struct lc_timer *first = lc_timer_heap_peek(&w->timers);
    if (first && first->deadline_ns < deadline)
        deadline = first->deadline_ns;
    if (w->running && !w->stopping && w->idle_count > 0 && w->next_due_ns < deadline)
        deadline = w->next_due_ns;
    int64_t wait = deadline > now ? (int64_t)(deadline - now) : 0;
    int64_t cap = w->ramping ? (int64_t)RAMP_WAIT_NS : (int64_t)MAX_WAIT_NS;
    if (wait > cap)
        wait = cap;
    int n = lc_loop_wait(&w->loop, evs, MAX_EVENTS, wait);
    for (int i = 0; i < n; i++) {
        if (evs[i].ptr == &w->wake_fd) {
            drain_wake(w);
            continue;
        }
        on_event(w, evs[i].ptr, evs[i].events, lc_clock_now_ns());
    }
    now = lc_clock_now_ns();
    struct lc_timer *t;
    while ((t = lc_timer_heap_pop_expired(&w->timers, now)) != NULL)
        on_timer(w, conn_of_timer(t), now);
    if (w->running)
        dispatch_open(w, now);
}

/*
 * Connect before the start: every connection of an open first phase, the
 * first phase's initial users of a closed one, and at least one connection
 * (a probe: a target that refuses everything is reported before the start).
 */
static void initial_connects(struct lc_worker *w)
{
    const struct lc_load_plan *plan = plan_of(w);
    const struct lc_load_phase *first = &plan->phases[0];
    uint32_t n = w->nconns;
    if (first->model == LC_MODEL_CLOSED)
        n = share_of(w, (uint32_t)(lc_load_phase_level(first, 0) + 1e-9));
    if (n == 0 && w->nconns > 0)
        n = 1;
    uint64_t now = lc_clock_now_ns();
    uint64_t deadline = now + plan->connect_timeout_ns;
    for (uint32_t i = 0; i < n; i++)
        start_connect(w, &w->conns[i], now);
    for (;;) {
        uint32_t pending = 0;
        for (uint32_t i = 0; i < n; i++)
            pending += w->conns[i].state == C_CONNECTING || w->conns[i].state == C_HANDSHAKE;
        if (pending == 0 || lc_clock_now_ns() >= deadline)
            break;
        loop_once(w, deadline);
    }
    for (uint32_t i = 0; i < n; i++)
        if (w->conns[i].state == C_CONNECTING || w->conns[i].state == C_HANDSHAKE)
            connect_failed(w, &w->conns[i], ETIMEDOUT, lc_clock_now_ns());
    /* In TLS 1.3 the server judges our certificate after our side of the
     * handshake is done: give its verdict (an alert) a moment to arrive, so a
     * refused client is reported before the start, not as 100% errors. */
    if (plan->tls && w->active > 0) {
        uint64_t settle = lc_clock_now_ns() + TLS_SETTLE_NS;
        while (lc_clock_now_ns() < settle)
            loop_once(w, settle);
    }
    w->established_at_start = w->active;
}

/* Count the open-model requests that were due before `stop_ns` but never sent. */
static void count_unsent(struct lc_worker *w, uint64_t stop_ns)
{
    if (phase_of(w)->model != LC_MODEL_OPEN)
        return;
    while (w->next_due_ns < stop_ns && w->issued + w->unsent < w->share) {
        w->unsent++;
        advance_schedule(w);
    }
}

static void start_running(struct lc_worker *w)
{
    const struct lc_load_plan *plan = plan_of(w);
    uint64_t t0 = w->shared->t0_ns;
    uint32_t threads = plan->threads ? plan->threads : 1;
    uint64_t total = lc_load_plan_duration(plan);
    w->running = 1;
    w->end_ns = total == UINT64_MAX ? UINT64_MAX : t0 + total;
    w->share = UINT64_MAX;
    if (plan->max_requests)
        w->share = plan->max_requests / threads + (w->index < plan->max_requests % threads);
    uint64_t now = lc_clock_now_ns();
    enter_phase(w, 0, t0, now);
}

void *lc_worker_main(void *arg)
{
    struct lc_worker *w = arg;
    const struct lc_load_plan *plan = plan_of(w);
    struct lc_engine_shared *sh = w->shared;
    initial_connects(w);
    pthread_mutex_lock(&sh->gate_lock);
    sh->connected_count++;
    pthread_cond_broadcast(&sh->gate_cond);
    while (!sh->go)
        pthread_cond_wait(&sh->gate_cond, &sh->gate_lock);
    pthread_mutex_unlock(&sh->gate_lock);
    if (__atomic_load_n(&w->shared->stop_mode, __ATOMIC_RELAXED) == LC_STOP_NOW)
        goto out;
    start_running(w);
    uint64_t graceful_end = UINT64_MAX;
    for (;;) {
        maybe_tick(w);
        uint64_t now = lc_clock_now_ns();
        int mode = __atomic_load_n(&w->shared->stop_mode, __ATOMIC_RELAXED);
        if (mode == LC_STOP_NOW || now >= w->end_ns || !follow_phases(w, now)) {
            count_unsent(w, now < w->end_ns ? now : w->end_ns);
            break;
        }
        if (mode == LC_STOP_GRACEFUL && !w->stopping) {
            w->stopping = 1;
            graceful_end = now + plan->graceful_stop_ns;
            count_unsent(w, now);
        }
        if (w->issued >= w->share && !w->stopping)
            w->stopping = 1;
        if (w->stopping && (inflight_total(w) == 0 || now >= graceful_end))
            break;
        uint64_t deadline = w->end_ns < graceful_end ? w->end_ns : graceful_end;
        if (w->phase_end_ns < deadline)
            deadline = w->phase_end_ns;
        loop_once(w, deadline);
    }
out:
    w->inflight_at_stop = inflight_total(w);
    /* The last interval's gauge: the level at the stop, before the connections close. */
    w->rec[w->cur][w->nrec - 1].active =
        phase_of(w)->model == LC_MODEL_CLOSED ? w->users : w->active;
    for (uint32_t i = 0; i < w->nconns; i++) {
        struct lc_conn *c = &w->conns[i];
        lc_timer_heap_remove(&w->timers, &c->timer);
        lc_tls_conn_free(c->tls);
        c->tls = NULL;
        if (c->fd >= 0) {
            close(c->fd);
            c->fd = -1;
        }
        drop_spill(c);
    }
    __atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}
