/* The monitor thread: periodic samples of the watched tree, the host, the GPUs and loadcell. */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "monitor/hoststat.h"

/* One series: samples at monotonic times. */
struct series {
    char *name;
    const char *unit; /* a string literal */
    uint64_t *t_ns;
    double *v;
    size_t n;
    size_t cap;
};

/* One value of a sample, before it is appended (name copied into a fixed buffer). */
struct item {
    char name[96];
    const char *unit;
    double v;
};

struct lc_monitor {
    /* Configuration (fixed after start). */
    int pid;
    uint64_t interval_ns;
    bool host, gen;
    int proc_fd;
    long clk_tck;
    long page_size;
    struct lc_gpu *gpu;

    /* Sampler state: touched only by the thread that samples (start, then the monitor thread). */
    struct lc_proctree tree[2];
    int tree_cur; /* tree[tree_cur] is the latest reading */
    bool have_tree;
    uint64_t root_start_ticks; /* identifies the root across readings (pid reuse) */
    bool root_gone;
    struct lc_hoststat hs[2];
    int hs_cur;
    bool have_hs;
    uint64_t prev_ru_ns; /* CPU time of this process at the previous sample */
    uint64_t prev_ru_wall_ns;
    bool have_ru;
    struct item *items;
    size_t n_items, items_cap;
    bool items_failed;

    /* Shared with readers: under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    bool thread_started;
    pthread_t thread;
    uint64_t t0_ns;
    struct series *series;
    size_t n_series, series_cap;
    struct lc_monitor_snapshot snap;
    uint64_t sut_exit_ns; /* when the root was first seen gone; 0 while alive */
    bool lost_samples;    /* a sample could not be stored (memory) */
    char problem[256];    /* the first sampling error, or "" */
};

/* ---- Items and series ------------------------------------------------------------------- */

LC_PRINTF(4, 5)
static void item_add(struct lc_monitor *m, const char *unit, double v, const char *fmt, ...)
{
    if (m->n_items == m->items_cap) {
        size_t cap = m->items_cap ? m->items_cap * 2 : 64;
        struct item *p = realloc(m->items, cap * sizeof(*p));
        if (!p) {
            m->items_failed = true;
            return;
        }
        m->items = p;
        m->items_cap = cap;
    }
    struct item *it = &m->items[m->n_items++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->name, sizeof(it->name), fmt, ap);
    va_end(ap);
    it->unit = unit;
    it->v = v;
}

/* The series named `name`, created when absent; NULL on ENOMEM. *hint speeds up lookups made
 * in the same order as last time. Called under mu. */
static struct series *series_get(struct lc_monitor *m, const char *name, const char *unit,
                                 size_t *hint)
{
    if (*hint < m->n_series && strcmp(m->series[*hint].name, name) == 0)
        return &m->series[(*hint)++];
    for (size_t i = 0; i < m->n_series; i++)
        if (strcmp(m->series[i].name, name) == 0) {
            *hint = i + 1;
            return &m->series[i];
        }
    if (m->n_series >= LC_RESULT_MAX_RESOURCES)
        return NULL;
    if (m->n_series == m->series_cap) {
        size_t cap = m->series_cap ? m->series_cap * 2 : 32;
        struct series *p = realloc(m->series, cap * sizeof(*p));
        if (!p)
            return NULL;
        m->series = p;
        m->series_cap = cap;
    }
    struct series *s = &m->series[m->n_series];
    memset(s, 0, sizeof(*s));
    s->name = strdup(name);
    if (!s->name)
        return NULL;
    s->unit = unit;
    *hint = ++m->n_series;
    return s;
}

/* Append one sample. Called under mu. Returns 0 or -1 (memory, or the series is full). */
static int series_push(struct series *s, uint64_t t_ns, double v)
{
    if (s->n == s->cap) {
        if (s->cap >= LC_RESULT_MAX_POINTS)
            return -1;
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *t = realloc(s->t_ns, cap * sizeof(*t));
        if (!t)
            return -1;
        s->t_ns = t;
        double *p = realloc(s->v, cap * sizeof(*p));
        if (!p)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    s->t_ns[s->n] = t_ns;
    s->v[s->n] = v;
    s->n++;
    return 0;
}

/* ---- Sampling ------------------------------------------------------------------------------ */

static void note_problem(struct lc_monitor *m, const char *msg)
{
    pthread_mutex_lock(&m->mu);
    if (!m->problem[0])
        snprintf(m->problem, sizeof(m->problem), "%.200s", msg);
    pthread_mutex_unlock(&m->mu);
}

/* Sample the watched tree into items and *snap-to-be. Returns true when the root is alive. */
static bool sample_sut(struct lc_monitor *m, struct lc_proctree_sample *out, char comm[64])
{
    if (m->root_gone)
        return false;
    struct lc_error e = {0};
    struct lc_proctree *cur = &m->tree[m->tree_cur ^ 1];
    struct lc_proctree *prev = m->have_tree ? &m->tree[m->tree_cur] : NULL;
    if (lc_proctree_scan(m->proc_fd, m->pid, m->clk_tck, m->page_size, cur, &e) != 0) {
        note_problem(m, e.msg);
        return false;
    }
    const struct lc_proc *root = lc_proctree_find(cur, m->pid);
    if (!cur->root_alive || !root ||
        (m->have_tree && root->starttime_ticks != m->root_start_ticks)) {
        m->root_gone = true;
        return false;
    }
    if (!m->have_tree)
        m->root_start_ticks = root->starttime_ticks;
    memcpy(comm, root->comm, 64);
    lc_proctree_derive(prev, cur, m->clk_tck, out);
    m->tree_cur ^= 1;
    m->have_tree = true;

    item_add(m, NULL, out->processes, "sut.processes");
    item_add(m, "bytes", (double)out->rss_bytes, "sut.rss_bytes");
    item_add(m, NULL, (double)out->threads, "sut.threads");
    if (out->has_fds)
        item_add(m, NULL, (double)out->fds, "sut.fds");
    if (out->has_rates) {
        item_add(m, "%", out->cpu_percent, "sut.cpu_percent");
        item_add(m, "%", out->cpu_user_percent, "sut.cpu_user_percent");
        item_add(m, "%", out->cpu_sys_percent, "sut.cpu_sys_percent");
        if (out->has_io) {
            item_add(m, "bytes/s", out->read_bytes_per_s, "sut.read_bytes_per_s");
            item_add(m, "bytes/s", out->write_bytes_per_s, "sut.write_bytes_per_s");
        }
        if (out->has_ctx)
            item_add(m, "/s", out->ctx_switches_per_s, "sut.ctx_switches_per_s");
    }
    return true;
}

/* A counter's rate between two readings dt seconds apart; false when it went backwards. */
static bool rate(uint64_t prev, uint64_t cur, double dt, double *out)
{
    if (cur < prev || dt <= 0)
        return false;
    *out = (double)(cur - prev) / dt;
    return true;
}

static bool sample_host(struct lc_monitor *m, struct lc_monitor_host *out)
{
    struct lc_error e = {0};
    struct lc_hoststat *cur = &m->hs[m->hs_cur ^ 1];
    const struct lc_hoststat *prev = m->have_hs ? &m->hs[m->hs_cur] : NULL;
    if (lc_hoststat_read(m->proc_fd, cur, &e) != 0) {
        note_problem(m, e.msg);
        return false;
    }
    memset(out, 0, sizeof(*out));
    double dt = prev ? (double)(cur->t_ns - prev->t_ns) / 1e9 : 0;
    if (prev && cur->has_cpu && prev->has_cpu) {
        double pct;
        if (lc_hoststat_cpu_percent(&prev->cpu_all, &cur->cpu_all, &pct)) {
            out->has_cpu = true;
            out->cpu_percent = pct;
            item_add(m, "%", pct, "host.cpu_percent");
        }
        for (size_t i = 0; i < cur->n_cpus; i++) {
            const struct lc_procfs_cpu *c = &cur->cpus[i];
            const struct lc_procfs_cpu *p = i < prev->n_cpus && prev->cpus[i].index == c->index
                                                ? &prev->cpus[i]
                                                : lc_hoststat_find_cpu(prev, c->index);
            if (p && lc_hoststat_cpu_percent(p, c, &pct))
                item_add(m, "%", pct, "host.cpu%d_percent", c->index);
        }
    }
    if (cur->has_mem) {
        out->has_mem = true;
        out->mem_available_bytes = cur->mem.available_bytes;
        out->mem_used_bytes = cur->mem.total_bytes - cur->mem.available_bytes;
        item_add(m, "bytes", (double)out->mem_used_bytes, "host.mem_used_bytes");
        item_add(m, "bytes", (double)out->mem_available_bytes, "host.mem_available_bytes");
    }
    if (cur->has_load) {
        out->has_load = true;
        out->load1 = cur->load[0];
        item_add(m, NULL, cur->load[0], "host.load1");
    }
    if (prev && cur->has_net && prev->has_net) {
        for (size_t i = 0; i < cur->n_ifs; i++) {
            const struct lc_procfs_netdev *c = &cur->ifs[i];
            const struct lc_procfs_netdev *p =
                i < prev->n_ifs && strcmp(prev->ifs[i].name, c->name) == 0
                    ? &prev->ifs[i]
                    : lc_hoststat_find_if(prev, c->name);
            double rx, tx, rxp, txp;
            if (!p || !rate(p->rx_bytes, c->rx_bytes, dt, &rx) ||
                !rate(p->tx_bytes, c->tx_bytes, dt, &tx) ||
                !rate(p->rx_packets, c->rx_packets, dt, &rxp) ||
                !rate(p->tx_packets, c->tx_packets, dt, &txp))
                continue; /* new, or its counters were reset */
            item_add(m, "bytes/s", rx, "host.net.%s.rx_bytes_per_s", c->name);
            item_add(m, "bytes/s", tx, "host.net.%s.tx_bytes_per_s", c->name);
            item_add(m, "/s", rxp, "host.net.%s.rx_packets_per_s", c->name);
            item_add(m, "/s", txp, "host.net.%s.tx_packets_per_s", c->name);
            out->has_net = true;
            if (strcmp(c->name, "lo") != 0) {
                out->net_rx_bytes_per_s += rx;
                out->net_tx_bytes_per_s += tx;
            }
        }
    }
    double r;
    if (prev && cur->has_tcp && prev->has_tcp &&
        rate(prev->tcp_retrans_segs, cur->tcp_retrans_segs, dt, &r)) {
        out->has_tcp = true;
        out->tcp_retrans_per_s = r;
        item_add(m, "/s", r, "host.tcp_retrans_per_s");
    }
    m->hs_cur ^= 1;
    m->have_hs = true;
    return true;
}

static bool sample_gen(struct lc_monitor *m, double *pct)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return false;
    uint64_t now_ns = lc_clock_now_ns(); /* with the CPU reading: after this sample's own work */
    uint64_t cpu_ns = (uint64_t)ru.ru_utime.tv_sec * LC_NS_PER_SEC +
                      (uint64_t)ru.ru_utime.tv_usec * LC_NS_PER_US +
                      (uint64_t)ru.ru_stime.tv_sec * LC_NS_PER_SEC +
                      (uint64_t)ru.ru_stime.tv_usec * LC_NS_PER_US;
    bool ok = false;
    if (m->have_ru && now_ns > m->prev_ru_wall_ns && cpu_ns >= m->prev_ru_ns) {
        *pct = (double)(cpu_ns - m->prev_ru_ns) / (double)(now_ns - m->prev_ru_wall_ns) * 100.0;
        item_add(m, "%", *pct, "gen.cpu_percent");
        ok = true;
    }
    m->prev_ru_ns = cpu_ns;
    m->prev_ru_wall_ns = now_ns;
    m->have_ru = true;
    return ok;
}

/* Take one sample of everything and publish it. */
static void sample(struct lc_monitor *m)
{
    struct lc_monitor_snapshot s;
    memset(&s, 0, sizeof(s));
    m->n_items = 0;
    m->items_failed = false;
    uint64_t now = lc_clock_now_ns();
    s.t_ns = now;
    if (m->pid) {
        s.sut_watched = true;
        s.sut_alive = sample_sut(m, &s.sut, s.sut_comm);
    }
    if (m->host)
        s.has_host = sample_host(m, &s.host);
    if (m->gen)
        s.has_gen = sample_gen(m, &s.gen_cpu_percent);
    for (unsigned i = 0; i < lc_gpu_count(m->gpu); i++) {
        struct lc_gpu_reading *g = &s.gpus[s.n_gpus++];
        lc_gpu_read(m->gpu, i, g);
        if (g->has_util)
            item_add(m, "%", g->util_percent, "gpu%u.util_percent", g->index);
        if (g->has_mem)
            item_add(m, "bytes", (double)g->mem_used_bytes, "gpu%u.mem_used_bytes", g->index);
        if (g->has_power)
            item_add(m, "W", g->power_watts, "gpu%u.power_watts", g->index);
        if (g->has_temp)
            item_add(m, "celsius", g->temp_celsius, "gpu%u.temp_celsius", g->index);
    }

    pthread_mutex_lock(&m->mu);
    bool lost = m->items_failed;
    size_t hint = 0;
    for (size_t i = 0; i < m->n_items; i++) {
        const struct item *it = &m->items[i];
        struct series *se = series_get(m, it->name, it->unit, &hint);
        if (!se || series_push(se, now, it->v) != 0)
            lost = true;
    }
    if (lost)
        m->lost_samples = true;
    if (s.sut_watched && !s.sut_alive) {
        if (!m->sut_exit_ns)
            m->sut_exit_ns = now;
        /* Keep the last values of the tree for displays. */
        s.sut = m->snap.sut;
        memcpy(s.sut_comm, m->snap.sut_comm, sizeof(s.sut_comm));
    }
    s.sut_peak_rss_bytes = m->snap.sut_peak_rss_bytes;
    if (s.sut_alive && s.sut.rss_bytes > s.sut_peak_rss_bytes)
        s.sut_peak_rss_bytes = s.sut.rss_bytes;
    s.seq = m->snap.seq + 1;
    s.t_s = ((double)now - (double)m->t0_ns) / 1e9;
    m->snap = s;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->mu);
}

/* ---- The thread ------------------------------------------------------------------------------ */

static struct timespec abs_time(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / LC_NS_PER_SEC),
                             .tv_nsec = (long)(ns % LC_NS_PER_SEC)};
}

static void *monitor_main(void *arg)
{
    struct lc_monitor *m = arg;
    pthread_mutex_lock(&m->mu);
    uint64_t next = m->snap.t_ns + m->interval_ns;
    while (!m->stop) {
        uint64_t now = lc_clock_now_ns();
        if (now < next) {
            struct timespec ts = abs_time(next);
            pthread_cond_timedwait(&m->cond, &m->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&m->mu);
        sample(m);
        pthread_mutex_lock(&m->mu);
        /* The next deadline on the original grid; ticks that were missed are skipped. */
        now = lc_clock_now_ns();
        next += m->interval_ns;
        if (next <= now)
            next += (now - next) / m->interval_ns * m->interval_ns + m->interval_ns;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* ---- Public ------------------------------------------------------------------------------------
 */

static void monitor_destroy(struct lc_monitor *m)
{
    for (size_t i = 0; i < m->n_series; i++) {
        free(m->series[i].name);
        free(m->series[i].t_ns);
        free(m->series[i].v);
    }
    free(m->series);
    free(m->items);
    lc_proctree_free(&m->tree[0]);
    lc_proctree_free(&m->tree[1]);
    lc_hoststat_free(&m->hs[0]);
    lc_hoststat_free(&m->hs[1]);
    lc_gpu_close(m->gpu);
    if (m->proc_fd >= 0)
        close(m->proc_fd);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

int lc_monitor_start(const struct lc_monitor_config *cfg, uint64_t t0_ns, struct lc_monitor **out,
                     struct lc_error *err)
{
    *out = NULL;
    uint64_t interval = cfg->interval_ns ? cfg->interval_ns : LC_MONITOR_DEFAULT_INTERVAL_NS;
    if (cfg->pid < 0)
        return lc_error_set(err, LC_EINVAL, "monitor: pid must be positive, not %d", cfg->pid);
    if (interval < LC_MONITOR_MIN_INTERVAL_NS || interval > LC_MONITOR_MAX_INTERVAL_NS)
        return lc_error_set(err, LC_EINVAL, "monitor: the interval must be from 10ms to 1h");
    struct lc_monitor *m = calloc(1, sizeof(*m));
    if (!m)
        return lc_error_set(err, LC_ENOMEM, "out of memory starting the monitor");
    m->proc_fd = -1;
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    m->pid = cfg->pid;
    m->interval_ns = interval;
    m->host = !cfg->no_host;
    m->gen = !cfg->no_gen;
    m->t0_ns = t0_ns;
    m->clk_tck = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    m->page_size = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    const char *root = cfg->proc_root && *cfg->proc_root ? cfg->proc_root : "/proc";
    int rc;

    m->proc_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->proc_fd < 0) {
        rc = lc_error_sys(err, errno, "monitor: cannot open %s", root);
        goto fail;
    }
    if (cfg->gpu != LC_MONITOR_GPU_OFF &&
        (rc = lc_gpu_open(cfg->nvml_library, cfg->gpu == LC_MONITOR_GPU_REQUIRED, &m->gpu, err)) !=
            0)
        goto fail;

    sample(m);
    if (m->pid && !m->snap.sut_alive) {
        char path[32];
        char buf[1024];
        snprintf(path, sizeof(path), "%d/stat", m->pid);
        int fd = openat(m->proc_fd, path, O_RDONLY | O_CLOEXEC);
        ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        struct lc_procfs_pid_stat st;
        if (m->problem[0])
            rc = lc_error_set(err, LC_ESYS, "monitor: %s", m->problem);
        else if (len > 0 && lc_procfs_parse_pid_stat(buf, (size_t)len, &st) == 0)
            rc = lc_error_set(err, LC_ESYS, "process %d (%s) has already exited", m->pid, st.comm);
        else
            rc = lc_error_set(err, LC_ESYS, "no process with pid %d", m->pid);
        goto fail;
    }

    /* The sampler never takes signals: they go to the threads that handle them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int prc = pthread_create(&m->thread, NULL, monitor_main, m);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc != 0) {
        rc = lc_error_sys(err, prc, "monitor: cannot start the sampling thread");
        goto fail;
    }
    m->thread_started = true;
    *out = m;
    return 0;
fail:
    monitor_destroy(m);
    return rc;
}

void lc_monitor_set_t0(struct lc_monitor *m, uint64_t t0_ns)
{
    pthread_mutex_lock(&m->mu);
    m->t0_ns = t0_ns;
    m->snap.t_s = ((double)m->snap.t_ns - (double)t0_ns) / 1e9;
    pthread_mutex_unlock(&m->mu);
}

void lc_monitor_stop(struct lc_monitor *m)
{
    pthread_mutex_lock(&m->mu);
    bool join = m->thread_started && !m->stop;
    m->stop = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->mu);
    if (join)
        pthread_join(m->thread, NULL);
}

uint64_t lc_monitor_latest(struct lc_monitor *m, struct lc_monitor_snapshot *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->snap;
    pthread_mutex_unlock(&m->mu);
    return out->seq;
}

bool lc_monitor_wait(struct lc_monitor *m, uint64_t after_seq, uint64_t timeout_ns,
                     struct lc_monitor_snapshot *out)
{
    uint64_t deadline = lc_clock_now_ns() + timeout_ns;
    struct timespec ts = abs_time(deadline);
    pthread_mutex_lock(&m->mu);
    while (m->snap.seq <= after_seq && !m->stop && lc_clock_now_ns() < deadline)
        pthread_cond_timedwait(&m->cond, &m->mu, &ts);
    bool fresh = m->snap.seq > after_seq;
    *out = m->snap;
    pthread_mutex_unlock(&m->mu);
    return fresh;
}

/* Where a series goes in a Result: grouped (sut, host, gen, gpu), known names in a fixed order,
 * the rest (per CPU, per interface, per GPU) in the order they appeared. */
static int series_rank(const char *name)
{
    static const char *const order[] = {
        "sut.cpu_percent",
        "sut.cpu_user_percent",
        "sut.cpu_sys_percent",
        "sut.rss_bytes",
        "sut.threads",
        "sut.fds",
        "sut.processes",
        "sut.read_bytes_per_s",
        "sut.write_bytes_per_s",
        "sut.ctx_switches_per_s",
        "host.cpu_percent",
        "host.cpu",
        "host.mem_used_bytes",
        "host.mem_available_bytes",
        "host.load1",
        "host.net.",
        "host.tcp_retrans_per_s",
        "gen.cpu_percent",
        "gpu",
    };
    int n = (int)(sizeof(order) / sizeof(order[0]));
    for (int i = 0; i < n; i++)
        if (strcmp(name, order[i]) == 0)
            return i;
    for (int i = n - 1; i >= 0; i--) /* prefixes: host.cpu<N>, host.net.<if>., gpu<N>. */
        if (strncmp(name, order[i], strlen(order[i])) == 0)
            return i;
    return n;
}

int lc_monitor_fill_result(struct lc_monitor *m, struct lc_result *r)
{
    int rc = 0;
    pthread_mutex_lock(&m->mu);
    /* A stable insertion sort of indexes by rank (tens of series). */
    size_t *idx = malloc((m->n_series ? m->n_series : 1) * sizeof(*idx));
    if (!idx) {
        pthread_mutex_unlock(&m->mu);
        return LC_ENOMEM;
    }
    for (size_t i = 0; i < m->n_series; i++) {
        size_t j = i;
        int rank = series_rank(m->series[i].name);
        while (j > 0 && series_rank(m->series[idx[j - 1]].name) > rank) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    for (size_t i = 0; i < m->n_series && rc == 0; i++) {
        const struct series *s = &m->series[idx[i]];
        struct lc_result_resource *res;
        if (s->n == 0)
            continue;
        rc = lc_result_add_resource(r, s->name, s->unit, &res);
        for (size_t k = 0; k < s->n && rc == 0; k++)
            rc =
                lc_result_resource_add(res, ((double)s->t_ns[k] - (double)m->t0_ns) / 1e9, s->v[k]);
    }
    if (rc == 0 && m->sut_exit_ns)
        rc = lc_result_add_warning(
            r, "the monitored process %d (%s) exited at %.1fs; sut.* series end there", m->pid,
            m->snap.sut_comm[0] ? m->snap.sut_comm : "?",
            ((double)m->sut_exit_ns - (double)m->t0_ns) / 1e9);
    if (rc == 0 && m->lost_samples)
        rc = lc_result_add_warning(r, "monitor: some samples were lost (out of memory)");
    if (rc == 0 && m->problem[0])
        rc = lc_result_add_warning(r, "monitor: %s", m->problem);
    pthread_mutex_unlock(&m->mu);
    free(idx);
    return rc;
}

void lc_monitor_free(struct lc_monitor *m)
{
    if (!m)
        return;
    lc_monitor_stop(m);
    monitor_destroy(m);
}
