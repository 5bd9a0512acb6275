/*
 * The HTTP/1.1 server of `loadcell serve`: one epoll loop per thread, each
 * with its own SO_REUSEPORT listener (the kernel spreads connections over the
 * threads, with no shared accept queue and no thundering herd), connections,
 * timer heap, random generator and counters; nothing is shared on the hot path.
 *
 * A connection reads into its thread's buffer, parses every complete request
 * in place, queues one small answer descriptor per request (pointing at
 * answers pre-built once: status lines, the body pattern, whole keep-alive
 * answers of fixed-size routes) and writes every answer that is due with one
 * sendmsg. Answers leave strictly in request order; a delayed answer arms the
 * connection's one timer for the head of its queue. Only unparsed input (a
 * partial head) is copied, into a per-connection spill buffer kept with the
 * pooled connection.
 */
#include "serve/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/rng.h"
#include "core/timer_heap.h"
#include "net/http1_parse.h"
#include "net/loop.h"
#include "net/tls_server.h"
#include "serve/stats.h"

#define RBUF_BYTES        (256 * 1024) /* per-thread read buffer; also the spill cap */
#define MAX_HEAD_BYTES    (64 * 1024)  /* a request head above this is answered 400 */
#define Q_MAX             1024         /* answers queued per connection before reading pauses */
#define Q_RESUME          512          /* reading resumes below this */
#define IOV_BATCH         512          /* iovecs per sendmsg (IOV_MAX is 1024) */
#define SEGS_PER_ANSWER   7
#define EVENT_BATCH       256
#define ACCEPT_BATCH      64
#define CONN_SLAB         64
#define DEFAULT_MAX_CONNS 65536
#define FULL_MAX_BODY     (64 * 1024) /* whole answers are pre-built up to this body size */
#define FILLER_LINES      66          /* huge-headers: 66 lines of 1 KB, > 64 KB in all */
#define FILLER_LINE_BYTES 1024
#define TRICKLE_GAP_NS    1000000ULL   /* 1 ms per byte ... */
#define TRICKLE_TOTAL_NS  200000000ULL /* ... at most 200 ms per answer */
#define ACCEPT_PAUSE_NS   100000000ULL /* out of file descriptors: retry after 100 ms */
#define STATUS_LINE_BYTES 96
#define TLS_STAGE_BYTES   16384 /* one TLS record of plaintext: answers are staged here */

enum { TAG_CONN = 1, TAG_LISTEN, TAG_STOP };

/* What a request asks for besides a routed answer. */
enum { INTERNAL_NONE = 0, INTERNAL_HEALTH, INTERNAL_STATS, INTERNAL_RESET, INTERNAL_NOT_ALLOWED };

/* resp.flags */
enum {
    RF_CLOSE = 1,       /* close the connection once this answer is written */
    RF_OWNED = 2,       /* body was malloc'd for this answer: free it when done */
    RF_INTERNAL = 4,    /* /health, /stats, 400: not counted in bytes_out */
    RF_FILLER = 8,      /* huge-headers: the filler block follows the status line */
    RF_POST_DATA = 16,  /* chunked: "\r\n0\r\n\r\n" ends the last chunk */
    RF_POST_EMPTY = 32, /* chunked with an empty body: "0\r\n\r\n" */
};

/* conn.tls_rw: what a TLS step waits for besides the usual interest. */
enum {
    TLS_HS_WRITE = 1,         /* the handshake waits until the socket is writable */
    TLS_READ_WANTS_WRITE = 2, /* a read must send first: read again when writable */
    TLS_WRITE_WANTS_READ = 4, /* a write must receive first: write again when readable */
};

/* conn.tls_end: how the input ended, seen by a read that still returned bytes. */
enum { TLS_END_NONE = 0, TLS_END_EOF, TLS_END_ERROR };

/* Connection header to add: none (HTTP/1.1 keep-alive), close, or keep-alive (HTTP/1.0). */
enum { CONN_HDR_NONE = 0, CONN_HDR_CLOSE, CONN_HDR_KEEP };

static const char post_data[] = "\r\n0\r\n\r\n";
static const char post_empty[] = "0\r\n\r\n";
static const char bad_status_line[] = "HTTP/1.1 2x0 Malformed\r\nContent-Type: text/plain\r\n";
static const char json_status_line[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";
static const char body_pattern[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static const struct lc_http1_limits request_limits = {
    .max_head_bytes = MAX_HEAD_BYTES,
    .max_header_line = MAX_HEAD_BYTES,
    .max_headers = 100,
};

/*
 * One queued answer, in request order. Its bytes are the segments pre,
 * filler, tail, body[0..body1), mid, body[body1..body1+body2), post; only
 * the first send_len bytes are written (less than all for close-mid-body).
 * Everything but tail and mid points at memory shared for the server's life
 * (or at an RF_OWNED body). Costs 136 bytes.
 */
struct resp {
    uint64_t due_ns; /* not written before this (CLOCK_MONOTONIC) */
    const char *pre;
    const char *body;
    uint32_t pre_len, body1, body2, send_len;
    uint8_t kind;  /* enum lc_chaos */
    uint8_t flags; /* RF_* */
    uint8_t tail_len, mid_len;
    char tail[72]; /* framing and connection headers, the blank line, first chunk size */
    char mid[16];  /* second chunk size line */
};

/* The request being read while its body arrives. */
struct req {
    uint64_t head_ns; /* when the head was complete: latency runs from here */
    uint64_t bytes;   /* wire bytes of the request so far */
    uint32_t route;   /* route slot (route_count = the default behaviour) */
    uint8_t internal; /* INTERNAL_* */
    uint8_t head_method, keep_alive, http10;
};

struct serve_thread;
struct conn;

/*
 * How a connection moves bytes: plain socket calls, or TLS (net/tls_server.h).
 * read: bytes (> 0), 0 at the end of the input, or -1 with errno (EAGAIN: not
 * now). writev: bytes written (>= 0), or -1 with errno (EAGAIN: not now).
 * close: called before the socket is closed; `reset` means abortively.
 */
struct conn_io {
    ssize_t (*read)(struct serve_thread *t, struct conn *c, char *buf, size_t len);
    ssize_t (*writev)(struct serve_thread *t, struct conn *c, struct iovec *iov, int n);
    void (*close)(struct conn *c, int reset);
};

/* A connection; pooled per thread (its spill and queue memory is kept for reuse). */
struct conn {
    uint8_t tag; /* TAG_CONN: epoll pointers are told apart by their first byte */
    uint8_t in_body, eof, stuck, closing, blocked, want_write, dead;
    uint8_t handshaking; /* TLS: no HTTP until the handshake is complete */
    uint8_t tls_rw;      /* TLS_* waits */
    uint8_t tls_end;     /* TLS_END_*: the end of input, held until its bytes are parsed */
    uint8_t pend_listed; /* on the thread's pending list */
    int fd;
    const struct conn_io *io;
    struct lc_tls_server_conn *tls; /* NULL for plain connections */
    struct conn *pend_next;         /* the thread's list of TLS input waiting inside OpenSSL */
    uint32_t events;                /* current epoll interest */
    struct lc_timer timer;
    struct conn *prev, *next; /* active list; `next` also links free and dead lists */
    char *spill;              /* unparsed input: a partial head, or input held back */
    uint32_t spill_len, spill_cap;
    struct lc_http1_body body;
    struct req req;
    struct resp *q; /* ring of q_cap (a power of two) answers */
    uint32_t q_first, q_len, q_cap;
    uint32_t out_off;         /* bytes of the first answer already written */
    uint64_t trickle_next_ns; /* next byte of a trickled answer */
};

struct listener {
    uint8_t tag;
    int fd;
};

struct serve_thread {
    struct lc_serve *srv;
    uint32_t index;
    pthread_t tid;
    int started, ready;
    struct lc_loop loop;
    struct lc_timer_heap timers;
    struct lc_timer accept_timer;
    struct lc_rng rng;
    struct listener lis;
    uint8_t stop_tag;
    int stop;
    char *rbuf;
    struct conn *active, *free_list, *dead;
    struct conn *pending; /* TLS connections with input the socket no longer signals */
    char *tls_stage;      /* TLS_STAGE_BYTES: answers copied here to be encrypted; TLS only */
    void **slabs;
    uint32_t nslabs, slabs_cap, nconns;
    struct lc_serve_counters ctr;
    int rc;
    struct lc_error err;
    struct iovec iov[IOV_BATCH];
};

/* Per route slot: its behaviour and its pre-built whole answers. */
struct route_rt {
    const struct lc_serve_behaviour *b;
    char *full[2]; /* keep-alive answer with status [0] / error status [1], or NULL */
    uint32_t full_len[2];
};

struct lc_serve {
    struct lc_serve_route *routes;
    uint32_t route_count;
    struct lc_serve_behaviour deflt;
    struct route_rt *rt;      /* route_count + 1 */
    const char **route_names; /* route_count + 1 */
    uint32_t nthreads, max_conns;
    struct serve_thread *threads;
    int stop_fd;
    uint64_t start_ns, seed;
    char *pattern; /* body bytes, shared by every answer */
    size_t pattern_len;
    char *filler; /* huge-headers block */
    size_t filler_len;
    char status_line[LC_SERVE_STATUS_SLOTS][STATUS_LINE_BYTES];
    uint8_t status_len[LC_SERVE_STATUS_SLOTS];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    uint16_t port;
    char url[96];
    struct lc_tls_server *tls; /* NULL: plain HTTP */
    pthread_mutex_t stats_lock;
    struct lc_serve_counters baseline; /* sums at the last reset (under stats_lock) */
    int lock_ready;
};

/* ---- small formatting helpers ------------------------------------------- */

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUT(p, lit) put((p), (lit), sizeof(lit) - 1)

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_hex(char *p, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static const struct {
    unsigned status;
    const char *text;
} reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {418, "I'm a teapot"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

/* The reason phrase of a status; a class name for codes without one. */
static const char *reason_phrase(unsigned status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    static const char *const classes[] = {"Informational", "Success", "Redirection", "Client Error",
                                          "Server Error"};
    return status >= 100 && status < 600 ? classes[status / 100 - 1] : "Unknown";
}

static int bodiless_status(unsigned status)
{
    return status == 204 || status == 304 || status < 200;
}

/* ---- answers ------------------------------------------------------------ */

/* What one answer is made of, before it becomes a struct resp. */
struct answer {
    const char *pre;
    uint32_t pre_len;
    const char *body; /* body bytes (the pattern unless internal) */
    uint64_t body_len;
    uint8_t chunked, no_body, bodiless, conn_hdr;
};

/* Fill e's segments from a; leaves due_ns, kind and the RF_CLOSE/RF_OWNED flags to the caller. */
static void fill_resp(struct resp *e, const struct answer *a)
{
    char *p = e->tail;
    e->pre = a->pre;
    e->pre_len = a->pre_len;
    e->body = a->body;
    e->body1 = e->body2 = 0;
    e->mid_len = 0;
    e->flags &= (uint8_t) ~(RF_POST_DATA | RF_POST_EMPTY);
    if (!a->bodiless) {
        if (a->chunked) {
            p = PUT(p, "Transfer-Encoding: chunked\r\n");
        } else {
            p = PUT(p, "Content-Length: ");
            p = put_u64(p, a->body_len);
            p = PUT(p, "\r\n");
        }
    }
    if (a->conn_hdr == CONN_HDR_CLOSE)
        p = PUT(p, "Connection: close\r\n");
    else if (a->conn_hdr == CONN_HDR_KEEP)
        p = PUT(p, "Connection: keep-alive\r\n");
    p = PUT(p, "\r\n");
    if (!a->bodiless && !a->no_body) {
        if (!a->chunked) {
            e->body1 = (uint32_t)a->body_len;
        } else if (a->body_len == 0) {
            e->flags |= RF_POST_EMPTY;
        } else {
            /* Two chunks (halves), so that clients' chunk decoders see more than one. */
            uint32_t b1 = (uint32_t)(a->body_len / 2);
            if (b1 == 0)
                b1 = (uint32_t)a->body_len;
            e->body1 = b1;
            e->body2 = (uint32_t)a->body_len - b1;
            p = put_hex(p, b1);
            p = PUT(p, "\r\n");
            if (e->body2) {
                char *m = PUT(e->mid, "\r\n");
                m = put_hex(m, e->body2);
                m = PUT(m, "\r\n");
                e->mid_len = (uint8_t)(m - e->mid);
            }
            e->flags |= RF_POST_DATA;
        }
    }
    e->tail_len = (uint8_t)(p - e->tail);
    e->send_len = e->pre_len + e->tail_len + e->body1 + e->mid_len + e->body2;
    if (e->flags & RF_POST_DATA)
        e->send_len += sizeof(post_data) - 1;
    if (e->flags & RF_POST_EMPTY)
        e->send_len += sizeof(post_empty) - 1;
}

/*
 * The iovecs of bytes [off, limit) of e into iov (at most SEGS_PER_ANSWER).
 * Returns how many.
 */
static int resp_iov(const struct lc_serve *srv, const struct resp *e, uint32_t off, uint32_t limit,
                    struct iovec *iov)
{
    struct {
        const char *p;
        size_t n;
    } seg[SEGS_PER_ANSWER] = {
        {e->pre, e->pre_len},
        {srv->filler, (e->flags & RF_FILLER) ? srv->filler_len : 0},
        {e->tail, e->tail_len},
        {e->body, e->body1},
        {e->mid, e->mid_len},
        {e->body ? e->body + e->body1 : NULL, e->body2},
        {(e->flags & RF_POST_EMPTY) ? post_empty : post_data,
         (e->flags & RF_POST_DATA)    ? sizeof(post_data) - 1
         : (e->flags & RF_POST_EMPTY) ? sizeof(post_empty) - 1
                                      : 0},
    };
    size_t pos = 0;
    int n = 0;
    for (int i = 0; i < SEGS_PER_ANSWER && pos < limit; i++) {
        size_t end = pos + seg[i].n;
        size_t lo = off > pos ? off : pos;
        size_t hi = limit < end ? limit : end;
        if (lo < hi) {
            iov[n].iov_base = (void *)(seg[i].p + (lo - pos));
            iov[n].iov_len = hi - lo;
            n++;
        }
        pos = end;
    }
    return n;
}

/* ---- connection I/O: plain sockets and TLS ------------------------------ */

static ssize_t plain_read(struct serve_thread *t, struct conn *c, char *buf, size_t len)
{
    return read(c->fd, buf, len);
}

static ssize_t plain_writev(struct serve_thread *t, struct conn *c, struct iovec *iov, int n)
{
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    ssize_t w;
    do {
        w = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    } while (w < 0 && errno == EINTR);
    return w;
}

static void plain_close(struct conn *c, int reset)
{
}

/*
 * Read as much decrypted input as fits: OpenSSL hands out one record per
 * call, and what it has buffered does not wake epoll. An end of input found
 * after some bytes is held in c->tls_end and reported by the next call.
 */
static ssize_t tls_read(struct serve_thread *t, struct conn *c, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len && c->tls_end == TLS_END_NONE) {
        ssize_t n = lc_tls_server_read(c->tls, buf + got, len - got);
        if (n > 0) {
            got += (size_t)n;
        } else if (n == LC_TLS_WANT_READ) {
            break;
        } else if (n == LC_TLS_WANT_WRITE) {
            c->tls_rw |= TLS_READ_WANTS_WRITE;
            break;
        } else {
            c->tls_end = n == LC_TLS_CLOSED ? TLS_END_EOF : TLS_END_ERROR;
        }
    }
    if (got)
        return (ssize_t)got;
    if (c->tls_end == TLS_END_EOF)
        return 0;
    errno = c->tls_end == TLS_END_ERROR ? ECONNRESET : EAGAIN;
    return -1;
}

/*
 * Encrypt and send the iovecs, staged TLS_STAGE_BYTES at a time through the
 * thread's buffer (one record per write). After a write that could not
 * finish, the caller's next call starts at the same byte (the queue's head
 * does not move until bytes are accounted), which is what OpenSSL requires.
 */
static ssize_t tls_writev(struct serve_thread *t, struct conn *c, struct iovec *iov, int n)
{
    size_t done = 0, off = 0;
    int i = 0;
    for (;;) {
        size_t fill = 0, o = off;
        for (int j = i; j < n && fill < TLS_STAGE_BYTES;) {
            size_t take = iov[j].iov_len - o;
            if (take > TLS_STAGE_BYTES - fill)
                take = TLS_STAGE_BYTES - fill;
            memcpy(t->tls_stage + fill, (const char *)iov[j].iov_base + o, take);
            fill += take;
            o += take;
            if (o == iov[j].iov_len) {
                j++;
                o = 0;
            }
        }
        if (fill == 0)
            return (ssize_t)done;
        ssize_t w = lc_tls_server_write(c->tls, t->tls_stage, fill);
        if (w <= 0) {
            if (done)
                return (ssize_t)done;
            if (w == LC_TLS_WANT_READ)
                c->tls_rw |= TLS_WRITE_WANTS_READ;
            errno = w == LC_TLS_WANT_READ || w == LC_TLS_WANT_WRITE ? EAGAIN : EPIPE;
            return -1;
        }
        done += (size_t)w;
        for (size_t adv = (size_t)w; adv > 0 || (i < n && iov[i].iov_len == off);) {
            size_t left = iov[i].iov_len - off;
            if (adv < left) {
                off += adv;
                break;
            }
            adv -= left;
            i++;
            off = 0;
        }
    }
}

static void tls_close(struct conn *c, int reset)
{
    if (!reset)
        lc_tls_server_shutdown(c->tls); /* close_notify, so the peer sees a clean end */
    lc_tls_server_conn_free(c->tls);
    c->tls = NULL;
}

static const struct conn_io plain_io = {plain_read, plain_writev, plain_close};
static const struct conn_io tls_io = {tls_read, tls_writev, tls_close};

/* List c when OpenSSL holds input of c that epoll will not report (read it this loop turn). */
static void note_pending(struct serve_thread *t, struct conn *c)
{
    if (!c->tls || c->dead || c->handshaking || c->pend_listed || c->eof || c->blocked)
        return;
    if (c->tls_end == TLS_END_NONE && !lc_tls_server_pending(c->tls))
        return;
    c->pend_listed = 1;
    c->pend_next = t->pending;
    t->pending = c;
}

/* Take c off the pending list. O(listed connections); only when one closes while listed. */
static void unlist_pending(struct serve_thread *t, struct conn *c)
{
    for (struct conn **p = &t->pending; *p; p = &(*p)->pend_next) {
        if (*p == c) {
            *p = c->pend_next;
            break;
        }
    }
    c->pend_listed = 0;
}

/* ---- connections: pool, queue, close ------------------------------------ */

static struct resp *q_at(struct conn *c, uint32_t i)
{
    return &c->q[(c->q_first + i) & (c->q_cap - 1)];
}

/* A new slot at the queue's end (grown on demand), or NULL when out of memory. */
static struct resp *q_push(struct conn *c)
{
    if (c->q_len == c->q_cap) {
        uint32_t cap = c->q_cap ? c->q_cap * 2 : 4;
        struct resp *q = malloc(cap * sizeof(*q));
        if (!q)
            return NULL;
        for (uint32_t i = 0; i < c->q_len; i++)
            q[i] = *q_at(c, i);
        free(c->q);
        c->q = q;
        c->q_cap = cap;
        c->q_first = 0;
    }
    struct resp *e = q_at(c, c->q_len++);
    e->flags = 0;
    e->kind = LC_CHAOS_NONE;
    return e;
}

static void q_pop(struct conn *c)
{
    struct resp *e = q_at(c, 0);
    if (e->flags & RF_OWNED)
        free((void *)e->body);
    c->q_first = (c->q_first + 1) & (c->q_cap - 1);
    c->q_len--;
    c->out_off = 0;
}

static struct conn *conn_get(struct serve_thread *t)
{
    if (!t->free_list) {
        if (t->nslabs == t->slabs_cap) {
            uint32_t cap = t->slabs_cap ? t->slabs_cap * 2 : 16;
            void **s = realloc(t->slabs, cap * sizeof(*s));
            if (!s)
                return NULL;
            t->slabs = s;
            t->slabs_cap = cap;
        }
        struct conn *slab = calloc(CONN_SLAB, sizeof(*slab));
        if (!slab)
            return NULL;
        t->slabs[t->nslabs++] = slab;
        for (int i = CONN_SLAB - 1; i >= 0; i--) {
            slab[i].next = t->free_list;
            t->free_list = &slab[i];
        }
    }
    struct conn *c = t->free_list;
    t->free_list = c->next;
    /* Keep the spill and queue memory of an earlier connection. */
    char *spill = c->spill;
    uint32_t spill_cap = c->spill_cap;
    struct resp *q = c->q;
    uint32_t q_cap = c->q_cap;
    memset(c, 0, sizeof(*c));
    c->tag = TAG_CONN;
    c->spill = spill;
    c->spill_cap = spill_cap;
    c->q = q;
    c->q_cap = q_cap;
    c->fd = -1;
    lc_timer_init(&c->timer);
    c->next = t->active;
    if (t->active)
        t->active->prev = c;
    t->active = c;
    t->nconns++;
    return c;
}

/*
 * Close c: abortively (SO_LINGER 0: the peer sees a reset) or gracefully
 * (unread input is drained first, so the close sends FIN, not RST, and the
 * peer reads everything written). c goes to the dead list and is recycled
 * after the current loop turn; callers check c->dead.
 */
static void close_conn(struct serve_thread *t, struct conn *c, int reset)
{
    if (c->dead)
        return;
    lc_timer_heap_remove(&t->timers, &c->timer);
    if (c->pend_listed)
        unlist_pending(t, c);
    c->io->close(c, reset);
    if (reset) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    } else {
        char sink[4096];
        for (int i = 0; i < 16 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
            ;
    }
    close(c->fd);
    c->fd = -1;
    while (c->q_len)
        q_pop(c);
    c->dead = 1;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->active = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = t->dead;
    c->prev = NULL;
    t->dead = c;
    t->nconns--;
}

static void recycle_dead(struct serve_thread *t)
{
    while (t->dead) {
        struct conn *c = t->dead;
        t->dead = c->next;
        c->next = t->free_list;
        t->free_list = c;
    }
}

static void update_interest(struct serve_thread *t, struct conn *c)
{
    if (c->dead)
        return;
    uint32_t want = 0;
    if (c->handshaking) {
        want = (c->tls_rw & TLS_HS_WRITE) ? LC_EV_WRITE : LC_EV_READ;
    } else {
        if (!c->eof && !c->blocked)
            want |= LC_EV_READ;
        /* A TLS write that waits for input waits for readability, not writability. */
        if ((c->want_write && !(c->tls_rw & TLS_WRITE_WANTS_READ)) ||
            (c->tls_rw & TLS_READ_WANTS_WRITE))
            want |= LC_EV_WRITE;
        if (c->tls_rw & TLS_WRITE_WANTS_READ)
            want |= LC_EV_READ;
    }
    if (want == c->events)
        return;
    if (lc_loop_mod(&t->loop, c->fd, want, c) != 0) {
        close_conn(t, c, 0);
        return;
    }
    c->events = want;
}

static void arm(struct serve_thread *t, struct conn *c, uint64_t deadline_ns)
{
    if (lc_timer_armed(&c->timer) && c->timer.deadline_ns == deadline_ns)
        return;
    /* The heap has a slot per connection, so this cannot fail. */
    (void)lc_timer_heap_add(&t->timers, &c->timer, deadline_ns);
}

/* Store n unparsed bytes in c's spill buffer. Returns 0 or LC_ENOMEM. */
static int keep_rest(struct conn *c, const char *p, size_t n)
{
    if (c->closing || c->stuck || c->dead)
        n = 0;
    if (n > c->spill_cap) {
        size_t cap = c->spill_cap ? c->spill_cap : 1024;
        while (cap < n)
            cap *= 2;
        char *s = realloc(c->spill, cap);
        if (!s)
            return LC_ENOMEM;
        c->spill = s;
        c->spill_cap = (uint32_t)cap;
    }
    if (n)
        memmove(c->spill, p, n);
    c->spill_len = (uint32_t)n;
    return 0;
}

/* ---- deciding answers --------------------------------------------------- */

static void stats_snapshot(struct lc_serve *srv, struct lc_serve_counters *sum)
{
    lc_serve_counters_zero(sum);
    for (uint32_t i = 0; i < srv->nthreads; i++)
        lc_serve_counters_accumulate(sum, &srv->threads[i].ctr);
}

void lc_serve_read_counters(struct lc_serve *s, struct lc_serve_counters *out, double *uptime_s)
{
    pthread_mutex_lock(&s->stats_lock);
    stats_snapshot(s, out);
    lc_serve_counters_subtract(out, &s->baseline);
    pthread_mutex_unlock(&s->stats_lock);
    *uptime_s = (double)(lc_clock_now_ns() - s->start_ns) / 1e9;
}

uint32_t lc_serve_route_slots(const struct lc_serve *s)
{
    return s->route_count + 1;
}

const char *lc_serve_route_name(const struct lc_serve *s, uint32_t slot)
{
    return slot <= s->route_count ? s->route_names[slot] : "default";
}

uint32_t lc_serve_thread_count(const struct lc_serve *s)
{
    return s->nthreads;
}

/* The JSON text /stats answers (malloc'd, the caller frees), or NULL. */
static char *stats_json(struct lc_serve *srv)
{
    struct lc_serve_counters sum;
    char *text = NULL;
    if (lc_serve_counters_init(&sum, srv->route_count + 1) != 0)
        return NULL;
    double uptime_s;
    lc_serve_read_counters(srv, &sum, &uptime_s);
    json_t *j = lc_serve_counters_json(&sum, srv->route_names, srv->nthreads, uptime_s);
    if (j)
        text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    lc_serve_counters_free(&sum);
    return text;
}

static void stats_reset(struct lc_serve *srv)
{
    pthread_mutex_lock(&srv->stats_lock);
    stats_snapshot(srv, &srv->baseline);
    pthread_mutex_unlock(&srv->stats_lock);
}

static int conn_hdr_of(const struct req *r)
{
    if (!r->keep_alive)
        return CONN_HDR_CLOSE;
    return r->http10 ? CONN_HDR_KEEP : CONN_HDR_NONE;
}

/* Queue the answer of an internal endpoint (due at once; no latency, errors or chaos). */
static void internal_answer(struct serve_thread *t, struct conn *c, struct resp *e, uint64_t now)
{
    struct lc_serve *srv = t->srv;
    struct req *r = &c->req;
    struct answer a = {.conn_hdr = (uint8_t)conn_hdr_of(r), .no_body = r->head_method};
    static const char ok[] = "ok";
    static const char reset_body[] = "{\"reset\":true}";
    static const char not_allowed[] = "use GET /stats or POST /stats/reset\n";
    char *json = NULL;
    e->due_ns = now;
    e->flags |= RF_INTERNAL;
    switch (r->internal) {
    case INTERNAL_HEALTH:
        lc_serve_count(&t->ctr.health_requests, 1);
        a.pre = srv->status_line[200];
        a.pre_len = srv->status_len[200];
        a.body = ok;
        a.body_len = 2;
        break;
    case INTERNAL_STATS:
        lc_serve_count(&t->ctr.stats_requests, 1);
        json = stats_json(srv);
        if (json) {
            a.pre = json_status_line;
            a.pre_len = sizeof(json_status_line) - 1;
            a.body = json;
            a.body_len = strlen(json);
            e->flags |= RF_OWNED;
        } else {
            a.pre = srv->status_line[500];
            a.pre_len = srv->status_len[500];
        }
        break;
    case INTERNAL_RESET:
        lc_serve_count(&t->ctr.stats_requests, 1);
        stats_reset(srv);
        a.pre = json_status_line;
        a.pre_len = sizeof(json_status_line) - 1;
        a.body = reset_body;
        a.body_len = sizeof(reset_body) - 1;
        break;
    default:
        lc_serve_count(&t->ctr.stats_requests, 1);
        a.pre = srv->status_line[405];
        a.pre_len = srv->status_len[405];
        a.body = not_allowed;
        a.body_len = sizeof(not_allowed) - 1;
        break;
    }
    fill_resp(e, &a);
    if (json && r->head_method) {
        free(json); /* HEAD: the length was announced, the body is not sent */
        e->flags &= (uint8_t)~RF_OWNED;
        e->body = NULL;
    }
}

/*
 * The request in c->req is complete (head and body): decide and queue its
 * answer. Returns 0, or -1 when c was closed (out of memory).
 */
static int finish_request(struct serve_thread *t, struct conn *c, uint64_t now)
{
    struct lc_serve *srv = t->srv;
    struct req *r = &c->req;
    struct resp *e = q_push(c);
    if (!e) {
        close_conn(t, c, 0);
        return -1;
    }
    if (!r->keep_alive) {
        e->flags |= RF_CLOSE;
        c->closing = 1; /* input after this request is ignored */
    }
    if (r->internal) {
        internal_answer(t, c, e, now);
        return 0;
    }
    const struct route_rt *rt = &srv->rt[r->route];
    const struct lc_serve_behaviour *b = rt->b;
    struct lc_serve_decision d;
    lc_serve_decide(b, &t->rng, &d);
    e->due_ns = lc_serve_stall_due_ns(b, srv->start_ns, r->head_ns + d.delay_ns);
    e->kind = d.chaos;
    lc_serve_count(&t->ctr.requests, 1);
    lc_serve_count(&t->ctr.by_route[r->route], 1);
    lc_serve_count(&t->ctr.bytes_in, r->bytes);
    lc_serve_count(&t->ctr.by_chaos[d.chaos], 1);
    if (d.chaos == LC_CHAOS_RESET || d.chaos == LC_CHAOS_NO_ANSWER) {
        e->send_len = 0;
        return 0;
    }
    if (d.chaos != LC_CHAOS_BAD_STATUS) {
        lc_serve_count(&t->ctr.by_status[d.status], 1);
        if (d.error)
            lc_serve_count(&t->ctr.errors, 1);
    }
    const char *full = rt->full[d.error];
    if (d.chaos == LC_CHAOS_NONE && full && r->keep_alive && !r->http10 && !r->head_method) {
        /* The fast path: one pre-built contiguous answer. */
        e->pre = full;
        e->pre_len = e->send_len = rt->full_len[d.error];
        e->body = NULL;
        e->body1 = e->body2 = 0;
        e->tail_len = e->mid_len = 0;
        return 0;
    }
    struct answer a = {
        .pre = srv->status_line[d.status],
        .pre_len = srv->status_len[d.status],
        .body = srv->pattern,
        .body_len = d.body_bytes,
        .chunked = (uint8_t)(b->chunked && !r->http10),
        .no_body = r->head_method,
        .bodiless = (uint8_t)bodiless_status(d.status),
        .conn_hdr = (uint8_t)conn_hdr_of(r),
    };
    if (d.chaos == LC_CHAOS_BAD_STATUS) {
        a.pre = bad_status_line;
        a.pre_len = sizeof(bad_status_line) - 1;
        a.bodiless = 0;
    }
    if (d.chaos == LC_CHAOS_HUGE_HEADERS)
        e->flags |= RF_FILLER;
    if (d.chaos == LC_CHAOS_CLOSE_MID_BODY) {
        /* Announce at least 2 body bytes so that half of it is a real truncation. */
        a.bodiless = 0;
        a.no_body = 0;
        if (a.body_len < 2)
            a.body_len = 2;
    }
    fill_resp(e, &a);
    if (e->flags & RF_FILLER)
        e->send_len += (uint32_t)srv->filler_len;
    if (d.chaos == LC_CHAOS_CLOSE_MID_BODY) {
        uint32_t head = e->pre_len + e->tail_len;
        e->send_len = head + (e->send_len - head) / 2;
        e->flags |= RF_CLOSE;
        c->closing = 1;
    }
    return 0;
}

/* A malformed request: queue a 400 that closes the connection. */
static void bad_request(struct serve_thread *t, struct conn *c, uint64_t now)
{
    struct lc_serve *srv = t->srv;
    static const char msg[] = "malformed request\n";
    lc_serve_count(&t->ctr.bad_requests, 1);
    c->in_body = 0;
    struct resp *e = q_push(c);
    if (!e) {
        close_conn(t, c, 0);
        return;
    }
    struct answer a = {.pre = srv->status_line[400],
                       .pre_len = srv->status_len[400],
                       .body = msg,
                       .body_len = sizeof(msg) - 1,
                       .conn_hdr = CONN_HDR_CLOSE};
    e->due_ns = now;
    e->flags |= RF_CLOSE | RF_INTERNAL;
    fill_resp(e, &a);
    c->closing = 1;
}

/* Fill c->req from a parsed head. */
static void classify(struct serve_thread *t, struct conn *c, const struct lc_http1_request_head *h,
                     int head_len, uint64_t now)
{
    struct lc_serve *srv = t->srv;
    struct req *r = &c->req;
    const char *path = h->target;
    size_t len = h->target_len;
    r->head_ns = now;
    r->bytes = (uint64_t)head_len;
    r->http10 = h->minor_version == 0;
    r->keep_alive =
        r->http10 ? (h->framing.conn_keep_alive && !h->framing.conn_close) : !h->framing.conn_close;
    r->head_method = h->method_len == 4 && memcmp(h->method, "HEAD", 4) == 0;
    /* Absolute form "http://host/path": keep the path. */
    if (len > 7 && (memcmp(path, "http://", 7) == 0 || memcmp(path, "https://", 8) == 0)) {
        const char *p = memchr(path + 8, '/', len - 8);
        if (p) {
            len -= (size_t)(p - path);
            path = p;
        } else {
            path = "/";
            len = 1;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (path[i] == '?' || path[i] == '#') {
            len = i;
            break;
        }
    }
    r->internal = INTERNAL_NONE;
    if (len == 7 && memcmp(path, "/health", 7) == 0) {
        r->internal = INTERNAL_HEALTH;
    } else if (len == 6 && memcmp(path, "/stats", 6) == 0) {
        int get = (h->method_len == 3 && memcmp(h->method, "GET", 3) == 0) || r->head_method;
        r->internal = get ? INTERNAL_STATS : INTERNAL_NOT_ALLOWED;
    } else if (len == 12 && memcmp(path, "/stats/reset", 12) == 0) {
        int post = h->method_len == 4 && memcmp(h->method, "POST", 4) == 0;
        r->internal = post ? INTERNAL_RESET : INTERNAL_NOT_ALLOWED;
    }
    int m = lc_serve_route_match(srv->routes, srv->route_count, path, len);
    r->route = m < 0 ? srv->route_count : (uint32_t)m;
}

/*
 * Queue "100 Continue" as an answer of its own (uncounted, due now), so that
 * it leaves through the connection's writer like every answer (over TLS too).
 * Returns 0 or LC_ENOMEM.
 */
static int queue_continue(struct conn *c, uint64_t now)
{
    struct resp *e = q_push(c);
    if (!e)
        return LC_ENOMEM;
    e->due_ns = now;
    e->flags = RF_INTERNAL;
    e->pre = continue_line;
    e->pre_len = e->send_len = sizeof(continue_line) - 1;
    e->body = NULL;
    e->body1 = e->body2 = 0;
    e->tail_len = e->mid_len = 0;
    return 0;
}

/*
 * Parse and decide every complete request in buf[0..len). Returns the bytes
 * consumed: the rest is a partial head, or input held back because the
 * queue is full (c->blocked). May close c (check c->dead).
 */
static size_t process(struct serve_thread *t, struct conn *c, const char *buf, size_t len,
                      uint64_t now)
{
    size_t pos = 0;
    while (pos < len) {
        if (c->closing || c->stuck || c->dead)
            return len;
        if (c->in_body) {
            ssize_t n = lc_http1_body_feed(&c->body, buf + pos, len - pos);
            if (n < 0) {
                bad_request(t, c, now);
                return len;
            }
            pos += (size_t)n;
            c->req.bytes += (uint64_t)n;
            if (!c->body.done)
                return pos;
            c->in_body = 0;
            if (finish_request(t, c, now) != 0)
                return len;
            continue;
        }
        if (c->q_len >= Q_MAX) {
            c->blocked = 1;
            return pos;
        }
        struct lc_http1_request_head h;
        int n = lc_http1_parse_request_head(buf + pos, len - pos, &h, NULL, 0, &request_limits);
        if (n == -2)
            return pos;
        if (n < 0) {
            bad_request(t, c, now);
            return len;
        }
        classify(t, c, &h, n, now);
        pos += (size_t)n;
        lc_http1_body_init_request(&c->body, &h);
        if (!c->body.done) {
            c->in_body = 1;
            if (h.framing.expect_continue && c->q_len == 0 && queue_continue(c, now) != 0) {
                close_conn(t, c, 0);
                return len;
            }
            continue;
        }
        if (finish_request(t, c, now) != 0)
            return len;
    }
    return pos;
}

/* ---- writing ------------------------------------------------------------ */

/*
 * Account n written bytes against the queue, popping finished answers.
 * Returns 0, or -1 when an answer that closes the connection finished (c is
 * closed then).
 */
static int advance(struct serve_thread *t, struct conn *c, size_t n)
{
    uint64_t counted = 0;
    int rc = 0;
    while (n > 0 && c->q_len) {
        struct resp *e = q_at(c, 0);
        size_t left = e->send_len - c->out_off;
        size_t take = n < left ? n : left;
        if (!(e->flags & RF_INTERNAL))
            counted += take;
        n -= take;
        c->out_off += (uint32_t)take;
        if (c->out_off == e->send_len) {
            int close_after = e->flags & RF_CLOSE;
            q_pop(c);
            if (close_after) {
                rc = -1;
                break;
            }
        }
    }
    if (counted)
        lc_serve_count(&t->ctr.bytes_out, counted);
    if (rc)
        close_conn(t, c, 0);
    return rc;
}

static uint64_t trickle_gap_ns(const struct resp *e)
{
    uint64_t gap = e->send_len ? TRICKLE_TOTAL_NS / e->send_len : TRICKLE_GAP_NS;
    if (gap > TRICKLE_GAP_NS)
        gap = TRICKLE_GAP_NS;
    return gap ? gap : 1;
}

/*
 * Write every answer that is due, in order, batching plain ones into one
 * sendmsg; carry out chaos at the head of the queue; arm the timer for the
 * next due answer. Returns 0, or -1 when c was closed.
 */
static int flush(struct serve_thread *t, struct conn *c, uint64_t now)
{
    struct lc_serve *srv = t->srv;
    c->want_write = 0;
    while (c->q_len > 0 && !c->stuck) {
        struct resp *e = q_at(c, 0);
        if (e->due_ns > now) {
            arm(t, c, e->due_ns);
            return 0;
        }
        if (e->kind == LC_CHAOS_RESET) {
            close_conn(t, c, 1);
            return -1;
        }
        if (e->kind == LC_CHAOS_NO_ANSWER) {
            /* Never answered: this and every later request on c wait forever. */
            c->stuck = 1;
            c->spill_len = 0;
            lc_timer_heap_remove(&t->timers, &c->timer);
            return 0;
        }
        if (e->kind == LC_CHAOS_TRICKLE) {
            if (now < c->trickle_next_ns) {
                arm(t, c, c->trickle_next_ns);
                return 0;
            }
            int n = resp_iov(srv, e, c->out_off, c->out_off + 1, t->iov);
            ssize_t w = c->io->writev(t, c, t->iov, n);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    c->want_write = 1;
                    return 0;
                }
                close_conn(t, c, 0);
                return -1;
            }
            uint32_t before = c->q_len;
            uint64_t gap = trickle_gap_ns(e);
            if (advance(t, c, (size_t)w) != 0)
                return -1;
            if (c->q_len == before) {
                c->trickle_next_ns = now + gap;
                arm(t, c, c->trickle_next_ns);
                return 0;
            }
            c->trickle_next_ns = 0;
            continue;
        }
        int niov = 0;
        uint64_t total = 0;
        for (uint32_t i = 0; i < c->q_len && niov + SEGS_PER_ANSWER <= IOV_BATCH; i++) {
            struct resp *x = q_at(c, i);
            if (x->due_ns > now || x->kind == LC_CHAOS_RESET || x->kind == LC_CHAOS_NO_ANSWER ||
                x->kind == LC_CHAOS_TRICKLE)
                break;
            uint32_t off = i == 0 ? c->out_off : 0;
            niov += resp_iov(srv, x, off, x->send_len, t->iov + niov);
            total += x->send_len - off;
            if (x->flags & RF_CLOSE)
                break; /* nothing is written after an answer that closes */
        }
        ssize_t w = c->io->writev(t, c, t->iov, niov);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->want_write = 1;
                return 0;
            }
            close_conn(t, c, 0);
            return -1;
        }
        if (advance(t, c, (size_t)w) != 0)
            return -1;
        if ((uint64_t)w < total) {
            c->want_write = 1;
            return 0;
        }
    }
    if (c->q_len == 0) {
        lc_timer_heap_remove(&t->timers, &c->timer);
        if (c->eof) {
            close_conn(t, c, 0);
            return -1;
        }
    }
    return 0;
}

/* Flush, and while reading was paused by a full queue that has drained, parse the held input. */
static void service(struct serve_thread *t, struct conn *c, uint64_t now)
{
    for (;;) {
        if (flush(t, c, now) != 0)
            return;
        if (!c->blocked || c->q_len >= Q_RESUME)
            break;
        /* Each round parses at least one request, so this ends. */
        c->blocked = 0;
        size_t len = c->spill_len;
        memcpy(t->rbuf, c->spill, len);
        c->spill_len = 0;
        size_t used = process(t, c, t->rbuf, len, now);
        if (c->dead)
            return;
        if (keep_rest(c, t->rbuf + used, len - used) != 0) {
            close_conn(t, c, 0);
            return;
        }
    }
    update_interest(t, c);
}

/* ---- events ------------------------------------------------------------- */

static void on_readable(struct serve_thread *t, struct conn *c, uint64_t now)
{
    size_t have = c->spill_len;
    if (have >= RBUF_BYTES)
        return; /* cannot happen: held input pauses reading */
    ssize_t n = c->io->read(t, c, t->rbuf + have, RBUF_BYTES - have);
    if (n == 0) {
        /* The peer finished sending: answer what is queued, then close. */
        c->eof = 1;
        c->spill_len = 0;
        c->in_body = 0;
        if (c->q_len == 0 || c->stuck)
            close_conn(t, c, 0);
        else
            update_interest(t, c);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            close_conn(t, c, 0);
        else
            update_interest(t, c); /* a TLS read may wait for writability */
        return;
    }
    if (c->stuck || c->closing)
        return; /* input after a no-answer or a closing request is dropped */
    if (have)
        memcpy(t->rbuf, c->spill, have);
    size_t len = have + (size_t)n;
    size_t used = process(t, c, t->rbuf, len, now);
    if (c->dead)
        return;
    if (keep_rest(c, t->rbuf + used, len - used) != 0) {
        close_conn(t, c, 0);
        return;
    }
    service(t, c, now);
}

/* Take the TLS handshake of c one step; once complete, read what came with it. */
static void handshake(struct serve_thread *t, struct conn *c, uint64_t now)
{
    int st = lc_tls_server_handshake(c->tls);
    if (st == LC_TLS_WANT_READ || st == LC_TLS_WANT_WRITE) {
        c->tls_rw = st == LC_TLS_WANT_WRITE ? TLS_HS_WRITE : 0;
        update_interest(t, c);
        return;
    }
    if (st != LC_TLS_OK) {
        /* No client certificate, a bad one, no common version, not TLS at all. */
        lc_serve_count(&t->ctr.tls_failed, 1);
        close_conn(t, c, 0); /* not a reset: the peer should read OpenSSL's alert */
        return;
    }
    c->handshaking = 0;
    c->tls_rw = 0;
    lc_serve_count(&t->ctr.tls_handshakes, 1);
    if (lc_tls_server_resumed(c->tls))
        lc_serve_count(&t->ctr.tls_resumed, 1);
    on_readable(t, c, now);
    update_interest(t, c);
}

static void on_conn_event(struct serve_thread *t, struct conn *c, uint32_t events, uint64_t now)
{
    if (c->dead)
        return; /* closed earlier in this loop turn */
    if (events & (LC_EV_ERROR | LC_EV_HUP)) {
        /* Reset by the peer, or both directions closed: nothing can be delivered. */
        close_conn(t, c, 0);
        return;
    }
    if (c->handshaking) {
        handshake(t, c, now);
        note_pending(t, c);
        return;
    }
    /* A TLS read that waited for writability, or a write that waited for input, goes on. */
    int read_now =
        (events & LC_EV_READ) || ((events & LC_EV_WRITE) && (c->tls_rw & TLS_READ_WANTS_WRITE));
    int write_now =
        (events & LC_EV_WRITE) || ((events & LC_EV_READ) && (c->tls_rw & TLS_WRITE_WANTS_READ));
    c->tls_rw = 0;
    if (read_now) {
        on_readable(t, c, now);
        if (c->dead)
            return;
    }
    if (write_now)
        service(t, c, now);
    note_pending(t, c);
}

static void pause_accept(struct serve_thread *t, uint64_t now)
{
    if (lc_loop_mod(&t->loop, t->lis.fd, 0, &t->lis) == 0)
        (void)lc_timer_heap_add(&t->timers, &t->accept_timer, now + ACCEPT_PAUSE_NS);
}

static void on_accept(struct serve_thread *t, uint64_t now)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(t->lis.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accept(t, now);
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return;
        }
        if (t->nconns >= t->srv->max_conns) {
            close(fd);
            continue;
        }
        struct conn *c = conn_get(t);
        if (!c) {
            close(fd);
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->fd = fd;
        c->io = &plain_io;
        if (t->srv->tls) {
            if (lc_tls_server_conn_new(t->srv->tls, fd, &c->tls) != 0) {
                close_conn(t, c, 0);
                continue;
            }
            c->io = &tls_io;
            c->handshaking = 1;
        }
        c->events = LC_EV_READ;
        if (lc_loop_add(&t->loop, fd, LC_EV_READ, c) != 0) {
            close_conn(t, c, 0);
            continue;
        }
        lc_serve_count(&t->ctr.connections, 1);
    }
}

static void on_timer(struct serve_thread *t, struct lc_timer *tm, uint64_t now)
{
    if (tm == &t->accept_timer) {
        if (lc_loop_mod(&t->loop, t->lis.fd, LC_EV_READ, &t->lis) != 0)
            (void)lc_timer_heap_add(&t->timers, &t->accept_timer, now + ACCEPT_PAUSE_NS);
        return;
    }
    struct conn *c = (struct conn *)((char *)tm - offsetof(struct conn, timer));
    if (!c->dead) {
        service(t, c, now);
        note_pending(t, c);
    }
}

/* ---- threads ------------------------------------------------------------ */

static void thread_teardown(struct serve_thread *t)
{
    while (t->active)
        close_conn(t, t->active, 0);
    recycle_dead(t);
    for (uint32_t i = 0; i < t->nslabs; i++) {
        struct conn *slab = t->slabs[i];
        for (int k = 0; k < CONN_SLAB; k++) {
            free(slab[k].spill);
            free(slab[k].q);
        }
        free(slab);
    }
    free(t->slabs);
    t->slabs = NULL;
    t->nslabs = t->slabs_cap = 0;
    t->free_list = NULL;
    free(t->rbuf);
    t->rbuf = NULL;
    free(t->tls_stage);
    t->tls_stage = NULL;
    lc_timer_heap_free(&t->timers);
    if (t->ready)
        lc_loop_close(&t->loop);
    t->ready = 0;
}

static int thread_setup(struct serve_thread *t, struct lc_error *err)
{
    struct lc_serve *srv = t->srv;
    if (lc_loop_init(&t->loop, err) != 0)
        return LC_ESYS;
    t->ready = 1;
    if (lc_timer_heap_init(&t->timers, srv->max_conns + 1) != 0)
        return lc_error_set(err, LC_ENOMEM, "out of memory for the timer heap");
    t->rbuf = malloc(RBUF_BYTES);
    if (!t->rbuf)
        return lc_error_set(err, LC_ENOMEM, "out of memory for the read buffer");
    if (srv->tls) {
        t->tls_stage = malloc(TLS_STAGE_BYTES);
        if (!t->tls_stage)
            return lc_error_set(err, LC_ENOMEM, "out of memory for the TLS buffer");
    }
    lc_timer_init(&t->accept_timer);
    t->stop_tag = TAG_STOP;
    t->lis.tag = TAG_LISTEN;
    if (lc_loop_add(&t->loop, t->lis.fd, LC_EV_READ, &t->lis) != 0 ||
        lc_loop_add(&t->loop, srv->stop_fd, LC_EV_READ, &t->stop_tag) != 0)
        return lc_error_sys(err, errno, "epoll_ctl");
    /* Per-thread stream: the seed mixed with the thread index (not seed + i*gamma). */
    lc_rng_seed(&t->rng, srv->seed ^ ((uint64_t)(t->index + 1) * 0xd1b54a32d192ed03ULL));
    return 0;
}

static void *thread_main(void *arg)
{
    struct serve_thread *t = arg;
    struct lc_loop_event evs[EVENT_BATCH];
    while (!t->stop) {
        int64_t timeout = -1;
        struct lc_timer *first = lc_timer_heap_peek(&t->timers);
        if (t->pending) {
            timeout = 0; /* TLS input is waiting inside OpenSSL */
        } else if (first) {
            uint64_t now = lc_clock_now_ns();
            timeout = first->deadline_ns > now ? (int64_t)(first->deadline_ns - now) : 0;
        }
        int n = lc_loop_wait(&t->loop, evs, EVENT_BATCH, timeout);
        if (n < 0) {
            t->rc = lc_error_sys(&t->err, errno, "epoll_wait");
            break;
        }
        uint64_t now = lc_clock_now_ns();
        for (int i = 0; i < n; i++) {
            uint8_t tag = *(const uint8_t *)evs[i].ptr;
            if (tag == TAG_CONN)
                on_conn_event(t, evs[i].ptr, evs[i].events, now);
            else if (tag == TAG_LISTEN)
                on_accept(t, now);
            else
                t->stop = 1;
        }
        if (lc_timer_heap_peek(&t->timers)) {
            now = lc_clock_now_ns();
            struct lc_timer *tm;
            while ((tm = lc_timer_heap_pop_expired(&t->timers, now)) != NULL)
                on_timer(t, tm, now);
        }
        /* Input OpenSSL holds; connections listed while this runs wait for the next turn. */
        struct conn *pend = t->pending;
        t->pending = NULL;
        while (pend) {
            struct conn *c = pend;
            pend = c->pend_next;
            c->pend_listed = 0;
            if (!c->dead)
                on_conn_event(t, c, LC_EV_READ, now);
        }
        recycle_dead(t);
    }
    thread_teardown(t);
    return NULL;
}

/* ---- the server --------------------------------------------------------- */

int lc_serve_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
                          struct lc_error *err)
{
    char host[256];
    const char *port_text;
    if (!text || !*text)
        goto bad;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
            goto bad;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon) {
            snprintf(host, sizeof(host), "127.0.0.1");
            port_text = text;
        } else {
            size_t hlen = (size_t)(colon - text);
            if (hlen >= sizeof(host) || memchr(text, ':', hlen))
                goto bad; /* IPv6 needs brackets */
            memcpy(host, text, hlen);
            host[hlen] = '\0';
            if (hlen == 0)
                snprintf(host, sizeof(host), "0.0.0.0");
            port_text = colon + 1;
        }
    }
    char *end;
    errno = 0;
    if (*port_text < '0' || *port_text > '9')
        goto bad;
    unsigned long port = strtoul(port_text, &end, 10);
    if (*end || errno || port > 65535)
        goto bad;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res)
        return lc_error_set(err, LC_ERESOLVE, "cannot resolve listen address '%s': %s", host,
                            gai_strerror(rc));
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
    else
        goto bad;
    return 0;
bad:
    return lc_error_set(err, LC_EINVAL,
                        "invalid listen address '%s': expected ADDR:PORT such as 127.0.0.1:8080, "
                        "[::1]:8080 or 0.0.0.0:0 (port 0 picks a free port)",
                        text ? text : "");
}

/*
 * Whether a fixed port is free before our listeners bind it. They set
 * SO_REUSEPORT so that every thread can bind the same port, but the kernel
 * then also lets another process of the same user that set it (a second
 * `loadcell serve`) join the group: both would start and silently split the
 * traffic. A probe bound without SO_REUSEPORT fails with EADDRINUSE against
 * any listener on the port (SO_REUSEADDR only skips TIME_WAIT leftovers); it
 * is closed before the real binds. Port 0 needs no probe: the kernel picks a
 * port that only our own threads then share. Returns 0, or LC_ESYS with err
 * as from open_listener (sys_errno set).
 */
static int probe_port_free(const struct sockaddr_storage *addr, socklen_t len, struct lc_error *err)
{
    in_port_t port = addr->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)addr)->sin6_port
                                                 : ((const struct sockaddr_in *)addr)->sin_port;
    if (port == 0)
        return 0;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return lc_error_sys(err, errno, "socket");
    int one = 1;
    int rc = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        rc = lc_error_sys(err, errno, "setsockopt(SO_REUSEADDR)");
    else if (bind(fd, (const struct sockaddr *)addr, len) != 0)
        rc = lc_error_sys(err, errno, "cannot listen");
    close(fd);
    return rc;
}

/*
 * Rewrite err, as left by probe_port_free or open_listener, to name the listen
 * address; a port in use also says how to fix it. Keeps sys_errno; returns LC_ESYS.
 */
static int listen_failed(struct lc_error *err, const char *listen_text)
{
    int e = err->sys_errno;
    if (e == EADDRINUSE) {
        lc_error_set(err, LC_ESYS,
                     "cannot listen on %s: %s (another process listens there: stop it, or "
                     "pick another port, or port 0 for a free one)",
                     listen_text, strerror(e));
    } else {
        char msg[sizeof(err->msg)];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        lc_error_set(err, LC_ESYS, "%s on %s", msg, listen_text);
    }
    err->sys_errno = e;
    return LC_ESYS;
}

static int open_listener(const struct sockaddr_storage *addr, socklen_t len, struct lc_error *err)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return lc_error_sys(err, errno, "socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
        int e = errno;
        close(fd);
        return lc_error_sys(err, e, "setsockopt(SO_REUSEPORT)");
    }
    if (bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, 4096) != 0) {
        int e = errno;
        close(fd);
        return lc_error_sys(err, e, "cannot listen");
    }
    return fd;
}

static void format_url(struct lc_serve *s)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (s->addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s->addr;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        s->port = ntohs(a->sin6_port);
        snprintf(s->url, sizeof(s->url), "%s://[%s]:%u", s->tls ? "https" : "http", host, s->port);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&s->addr;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        s->port = ntohs(a->sin_port);
        snprintf(s->url, sizeof(s->url), "%s://%s:%u", s->tls ? "https" : "http", host, s->port);
    }
}

/* Build the whole keep-alive answer of a fixed-size route for one status, or leave NULL. */
static int build_full(struct lc_serve *s, struct route_rt *rt, int which, unsigned status)
{
    const struct lc_serve_behaviour *b = rt->b;
    if (b->chunked || b->body_min_bytes != b->body_max_bytes || b->body_max_bytes > FULL_MAX_BODY ||
        bodiless_status(status))
        return 0;
    struct resp e = {0};
    struct answer a = {.pre = s->status_line[status],
                       .pre_len = s->status_len[status],
                       .body = s->pattern,
                       .body_len = b->body_max_bytes};
    fill_resp(&e, &a);
    char *full = malloc(e.send_len);
    if (!full)
        return LC_ENOMEM;
    char *p = put(full, e.pre, e.pre_len);
    p = put(p, e.tail, e.tail_len);
    put(p, s->pattern, e.body1);
    rt->full[which] = full;
    rt->full_len[which] = e.send_len;
    return 0;
}

static int prebuild(struct lc_serve *s, struct lc_error *err)
{
    for (unsigned st = 100; st < LC_SERVE_STATUS_SLOTS; st++) {
        int n = snprintf(s->status_line[st], STATUS_LINE_BYTES,
                         "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\n", st, reason_phrase(st));
        s->status_len[st] = (uint8_t)n;
    }
    uint64_t max_body = 2;
    for (uint32_t r = 0; r <= s->route_count; r++)
        if (s->rt[r].b->body_max_bytes > max_body)
            max_body = s->rt[r].b->body_max_bytes;
    s->pattern = malloc(max_body);
    if (!s->pattern)
        return lc_error_set(err, LC_ENOMEM, "out of memory for a %llu-byte body",
                            (unsigned long long)max_body);
    s->pattern_len = max_body;
    for (uint64_t i = 0; i < max_body; i++)
        s->pattern[i] = body_pattern[i % (sizeof(body_pattern) - 1)];
    s->filler_len = (size_t)FILLER_LINES * FILLER_LINE_BYTES;
    s->filler = malloc(s->filler_len);
    if (!s->filler)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    for (int i = 0; i < FILLER_LINES; i++) {
        char *line = s->filler + (size_t)i * FILLER_LINE_BYTES;
        int n = snprintf(line, FILLER_LINE_BYTES, "X-Loadcell-Filler-%02d: ", i);
        memset(line + n, 'f', FILLER_LINE_BYTES - (size_t)n - 2);
        line[FILLER_LINE_BYTES - 2] = '\r';
        line[FILLER_LINE_BYTES - 1] = '\n';
    }
    for (uint32_t r = 0; r <= s->route_count; r++) {
        struct route_rt *rt = &s->rt[r];
        if (build_full(s, rt, 0, rt->b->status) != 0 ||
            (rt->b->error_rate > 0 && build_full(s, rt, 1, rt->b->error_status) != 0))
            return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    return 0;
}

int lc_serve_create(const struct lc_serve_options *opt, struct lc_serve **out, struct lc_error *err)
{
    int rc;
    uint32_t nthreads = opt->threads ? opt->threads : 1;
    *out = NULL;
    if (nthreads > LC_SERVE_MAX_THREADS)
        return lc_error_set(err, LC_EINVAL, "at most %d threads", LC_SERVE_MAX_THREADS);
    if (opt->route_count > LC_SERVE_MAX_ROUTES)
        return lc_error_set(err, LC_EINVAL, "at most %d routes", LC_SERVE_MAX_ROUTES);
    struct lc_serve *s = calloc(1, sizeof(*s));
    if (!s)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    s->stop_fd = -1;
    s->nthreads = nthreads;
    s->max_conns = opt->max_conns_per_thread ? opt->max_conns_per_thread : DEFAULT_MAX_CONNS;
    s->seed = opt->seed_set ? opt->seed : lc_rng_entropy();
    s->deflt = opt->behaviour;
    s->route_count = opt->route_count;
    s->routes = calloc(opt->route_count + 1, sizeof(*s->routes));
    s->rt = calloc(opt->route_count + 1, sizeof(*s->rt));
    s->route_names = calloc(opt->route_count + 1, sizeof(*s->route_names));
    s->threads = calloc(nthreads, sizeof(*s->threads));
    if (!s->routes || !s->rt || !s->route_names || !s->threads) {
        rc = lc_error_set(err, LC_ENOMEM, "out of memory");
        goto fail;
    }
    if (opt->route_count)
        memcpy(s->routes, opt->routes, opt->route_count * sizeof(*s->routes));
    for (uint32_t r = 0; r < s->route_count; r++) {
        s->rt[r].b = &s->routes[r].behaviour;
        s->route_names[r] = s->routes[r].pattern;
    }
    s->rt[s->route_count].b = &s->deflt;
    s->route_names[s->route_count] = "default";
    rc = prebuild(s, err);
    if (rc != 0)
        goto fail;
    if (opt->tls_cert_file || opt->tls_key_file || opt->tls_client_ca_file) {
        struct lc_tls_server_options topt = {.cert_file = opt->tls_cert_file,
                                             .key_file = opt->tls_key_file,
                                             .client_ca_file = opt->tls_client_ca_file};
        rc = lc_tls_server_create(&topt, &s->tls, err);
        if (rc != 0)
            goto fail;
    }
    if (pthread_mutex_init(&s->stats_lock, NULL) != 0) {
        rc = lc_error_set(err, LC_ENOMEM, "cannot create a mutex");
        goto fail;
    }
    s->lock_ready = 1;
    if (lc_serve_counters_init(&s->baseline, s->route_count + 1) != 0) {
        rc = lc_error_set(err, LC_ENOMEM, "out of memory");
        goto fail;
    }
    s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->stop_fd < 0) {
        rc = lc_error_sys(err, errno, "eventfd");
        goto fail;
    }
    const char *listen_text = opt->listen ? opt->listen : "127.0.0.1:8080";
    rc = lc_serve_parse_listen(listen_text, &s->addr, &s->addr_len, err);
    if (rc != 0)
        goto fail;
    for (uint32_t i = 0; i < nthreads; i++) {
        struct serve_thread *t = &s->threads[i];
        t->srv = s;
        t->index = i;
        t->lis.fd = -1;
        if (lc_serve_counters_init(&t->ctr, s->route_count + 1) != 0) {
            rc = lc_error_set(err, LC_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (probe_port_free(&s->addr, s->addr_len, err) != 0) {
        rc = listen_failed(err, listen_text);
        goto fail;
    }
    /* The first listener resolves port 0; the others join its SO_REUSEPORT group. */
    for (uint32_t i = 0; i < nthreads; i++) {
        int fd = open_listener(&s->addr, s->addr_len, err);
        if (fd < 0) {
            rc = listen_failed(err, listen_text);
            goto fail;
        }
        s->threads[i].lis.fd = fd;
        if (i == 0) {
            socklen_t len = sizeof(s->addr);
            if (getsockname(fd, (struct sockaddr *)&s->addr, &len) != 0) {
                rc = lc_error_sys(err, errno, "getsockname");
                goto fail;
            }
            s->addr_len = len;
        }
    }
    format_url(s);
    s->start_ns = lc_clock_now_ns();
    *out = s;
    return 0;
fail:
    lc_serve_destroy(s);
    return rc;
}

const char *lc_serve_url(const struct lc_serve *s)
{
    return s->url;
}

uint16_t lc_serve_port(const struct lc_serve *s)
{
    return s->port;
}

void lc_serve_stop(struct lc_serve *s)
{
    uint64_t one = 1;
    int saved = errno;
    if (s && s->stop_fd >= 0)
        (void)!write(s->stop_fd, &one, sizeof(one));
    errno = saved;
}

int lc_serve_run(struct lc_serve *s, struct lc_error *err)
{
    int rc = 0;
    uint32_t ready = 0;
    for (; ready < s->nthreads; ready++) {
        rc = thread_setup(&s->threads[ready], err);
        if (rc != 0) {
            thread_teardown(&s->threads[ready]);
            break;
        }
    }
    if (rc != 0) {
        for (uint32_t i = 0; i < ready; i++)
            thread_teardown(&s->threads[i]);
        return rc;
    }
    for (uint32_t i = 1; i < s->nthreads; i++) {
        struct serve_thread *t = &s->threads[i];
        if (pthread_create(&t->tid, NULL, thread_main, t) != 0) {
            rc = lc_error_set(err, LC_ESYS, "cannot start server thread %u", i);
            lc_serve_stop(s);
            break;
        }
        t->started = 1;
    }
    thread_main(&s->threads[0]);
    for (uint32_t i = 1; i < s->nthreads; i++) {
        struct serve_thread *t = &s->threads[i];
        if (t->started)
            pthread_join(t->tid, NULL);
        else
            thread_teardown(t);
        t->started = 0;
    }
    for (uint32_t i = 0; i < s->nthreads && rc == 0; i++) {
        if (s->threads[i].rc != 0) {
            rc = s->threads[i].rc;
            if (err)
                *err = s->threads[i].err;
        }
    }
    return rc;
}

void lc_serve_destroy(struct lc_serve *s)
{
    if (!s)
        return;
    if (s->threads) {
        for (uint32_t i = 0; i < s->nthreads; i++) {
            struct serve_thread *t = &s->threads[i];
            if (t->lis.fd >= 0)
                close(t->lis.fd);
            lc_serve_counters_free(&t->ctr);
        }
        free(s->threads);
    }
    if (s->rt) {
        for (uint32_t r = 0; r <= s->route_count; r++) {
            free(s->rt[r].full[0]);
            free(s->rt[r].full[1]);
        }
        free(s->rt);
    }
    if (s->stop_fd >= 0)
        close(s->stop_fd);
    if (s->lock_ready)
        pthread_mutex_destroy(&s->stats_lock);
    lc_serve_counters_free(&s->baseline);
    free(s->route_names);
    free(s->routes);
    free(s->pattern);
    free(s->filler);
    lc_tls_server_destroy(s->tls);
    free(s);
}
