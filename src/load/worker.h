/*
 * One load worker thread: its epoll loop, its connections, its recorders.
 * Internal to src/load/: engine.c creates, starts and joins workers.
 */
#ifndef LC_LOAD_WORKER_H
#define LC_LOAD_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/timer_heap.h"
#include "load/plan.h"
#include "load/recorder.h"
#include "net/loop.h"

/* What the engine's main thread shares with every worker. */
struct lc_engine_shared {
    const struct lc_load_plan *plan;
    /* The start gate: workers connect, report in, and wait until `go`; the
     * engine then takes t0 and releases them together (not the hot path). */
    pthread_mutex_t gate_lock;
    pthread_cond_t gate_cond;
    uint32_t connected_count; /* workers done with their initial connects */
    int go;
    uint64_t t0_ns;    /* the run's clock starts here (written before `go`) */
    int stop_mode;     /* atomic: 0 run, 1 graceful stop, 2 stop at once */
    uint64_t tick_req; /* atomic: the aggregator's latest tick number */
    /* Live control: the aggregator writes the fields and bumps control_gen under
     * control_lock, before it publishes a tick. A worker compares control_gen (relaxed)
     * when it sees a new tick (never per request) and takes the lock only to read a
     * change it has not applied (once per change). */
    pthread_mutex_t control_lock;
    uint64_t control_gen;   /* atomic, written under control_lock: changes so far */
    size_t control_phase;   /* under control_lock: the phase index it is for */
    uint64_t control_at_ns; /* under control_lock: when it takes effect (the tick's time) */
    double control_level;   /* under control_lock: the new level */
};

enum lc_worker_stop { LC_STOP_GRACEFUL = 1, LC_STOP_NOW = 2 };

struct lc_conn;

struct lc_worker {
    uint32_t index;
    pthread_t thread;
    struct lc_engine_shared *shared;
    struct lc_loop loop;
    int wake_fd; /* eventfd: ticks and stop requests wake the loop */
    struct lc_timer_heap timers;
    struct lc_conn *conns;
    uint32_t nconns;
    uint32_t *idle; /* open model: stack of idle connection indices */
    uint32_t idle_count;
    char *buf; /* the thread's read buffer: responses are parsed in place here */
    struct lc_rng rng;
    double *mix_cdf; /* cumulative request weights, when the plan has several */

    /* Recorders: one per request template plus one (the last) for
     * connection-level events. The worker writes rec[cur][...]; the aggregator
     * reads rec[cur ^ 1][...] after the worker acknowledged a tick
     * (tick_ack == the tick it asked for). */
    struct lc_recorder *rec[2];
    size_t nrec;
    int cur;
    uint64_t tick_seen;
    uint64_t tick_ack; /* atomic */
    int finished;      /* atomic: the thread is done; join it */

    /* Schedule state. */
    int running;     /* after the start barrier */
    int stopping;    /* no new requests */
    uint64_t end_ns; /* when the last phase ends (UINT64_MAX: no time bound) */
    uint64_t share;  /* this worker's share of max_requests (UINT64_MAX: none) */
    uint64_t issued; /* requests sent (or, open model, dispatched) */
    size_t phase;    /* index of the current phase */
    uint64_t phase_start_ns;
    uint64_t phase_end_ns;
    uint32_t users;        /* closed model: this worker's active users now */
    uint64_t control_seen; /* shared->control_gen last looked at */
    int ctl_active;        /* the current phase's level was changed live: ctl_level holds */
    double ctl_level;      /* users (closed, the whole run's) or requests/s (open) */
    uint64_t ctl_at_ns;    /* open model: the new schedule starts here */
    int ramping;           /* the level changes within the current stage */
    uint64_t next_due_ns;  /* open model: intended start of the next request (UINT64_MAX: none) */
    double next_n;         /* open model: its position in the phase's cumulative arrivals */
    uint32_t active;       /* connections currently established */
    char *match_scratch;   /* body checks: room to search across two reads */
    struct lc_tls_session_slot tls_session; /* https: the session the next connects resume */

    /* Outcome, read by the engine after join. */
    uint32_t established_at_start;
    int first_connect_errno;
    int first_tls_failed;                    /* a TLS handshake failed before the start */
    struct lc_tls_failure first_tls_failure; /* the first of them (when first_tls_failed) */
    uint64_t inflight_at_stop;
    uint64_t unsent; /* open model: scheduled before the stop, never sent */
    int error;       /* non-zero when the thread failed to run (LC_E*) */
};

/* Allocate a worker's loop, connections and recorders. Returns 0 or an LC_E* code. */
int lc_worker_init(struct lc_worker *w, uint32_t index, uint32_t nconns,
                   struct lc_engine_shared *shared, struct lc_error *err) LC_WARN_UNUSED;

/* Free what lc_worker_init allocated (after the thread was joined). */
void lc_worker_free(struct lc_worker *w);

/* The thread body: connect, wait at the barriers, run, stop. */
void *lc_worker_main(void *arg);

/* Wake the worker's loop (ticks, stop). Async-signal-safe. */
void lc_worker_wake(struct lc_worker *w);

#endif
