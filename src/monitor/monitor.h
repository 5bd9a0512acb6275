/* Resource monitor: samples the system under test, the host, the GPUs and loadcell itself. */
#ifndef LC_MONITOR_MONITOR_H
#define LC_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "monitor/gpu.h"
#include "monitor/proctree.h"
#include "results/result.h"

/*
 * Usage (the load engine's hot path pays nothing: sampling runs on the
 * monitor's own thread, and only lc_monitor_latest/_wait take its mutex):
 *
 *   struct lc_monitor_config cfg = {.pid = sut_pid, .interval_ns = LC_NS_PER_SEC};
 *   struct lc_monitor *m;
 *   if (lc_monitor_start(&cfg, lc_clock_now_ns(), &m, &err) != 0) -> fail (exit code by err)
 *   ... run the load; lc_monitor_set_t0(m, engine_t0_ns) once the run's t0 is known;
 *   ... a live display calls lc_monitor_latest(m, &snap) whenever it likes ...
 *   lc_monitor_stop(m);
 *   lc_monitor_fill_result(m, &result);      // adds the resource series (+ warnings)
 *   lc_monitor_free(m);
 *
 * Series (Result resources; t_s = seconds since t0, the sample's time; a
 * rate's sample covers the interval that ends at t_s, so rates start at the
 * second sample; levels are sampled from the first):
 *   sut.cpu_percent, sut.cpu_user_percent, sut.cpu_sys_percent   "%"  of ONE core
 *       (a tree using 2 full cores reads 200), from utime/stime deltas
 *   sut.rss_bytes "bytes" (sum over the tree), sut.threads, sut.fds, sut.processes (counts)
 *   sut.read_bytes_per_s, sut.write_bytes_per_s "bytes/s"  (/proc/PID/io read_bytes and
 *       write_bytes: storage I/O; absent when no member's io file is readable)
 *   sut.ctx_switches_per_s "/s"  (voluntary + involuntary, all threads)
 *   host.cpu_percent, host.cpu<N>_percent "%" of the whole machine / of CPU N (0..100)
 *   host.mem_used_bytes (MemTotal - MemAvailable), host.mem_available_bytes "bytes"
 *   host.load1 (the 1-minute load average)
 *   host.net.<if>.rx_bytes_per_s, .tx_bytes_per_s "bytes/s",
 *   host.net.<if>.rx_packets_per_s, .tx_packets_per_s "/s"   (every interface, lo included)
 *   host.tcp_retrans_per_s "/s"  (/proc/net/snmp Tcp RetransSegs)
 *   gen.cpu_percent "%" of one core  (this process, getrusage: the load engine's threads and
 *       the monitor's own)
 *   gpu<N>.util_percent "%", gpu<N>.mem_used_bytes "bytes", gpu<N>.power_watts "W",
 *   gpu<N>.temp_celsius "celsius"  (N: NVML's device index)
 * The sut.* series stop when the watched process exits (a warning says when).
 */

#define LC_MONITOR_DEFAULT_INTERVAL_NS 1000000000ULL    /* 1 s */
#define LC_MONITOR_MIN_INTERVAL_NS     10000000ULL      /* 10 ms */
#define LC_MONITOR_MAX_INTERVAL_NS     3600000000000ULL /* 1 h */

/* What to do about GPUs. */
enum lc_monitor_gpu_mode {
    LC_MONITOR_GPU_AUTO,     /* sample NVIDIA GPUs when NVML loads; else no GPU data, silently */
    LC_MONITOR_GPU_REQUIRED, /* fail lc_monitor_start when no GPU can be sampled */
    LC_MONITOR_GPU_OFF,      /* never load NVML */
};

/* What to sample. A zeroed struct is valid: host, generator and GPUs (auto) every second. */
struct lc_monitor_config {
    int pid;              /* root of the watched process tree (it and all descendants); 0: none */
    uint64_t interval_ns; /* sampling period; 0: 1 s; LC_MONITOR_MIN..MAX_INTERVAL_NS */
    enum lc_monitor_gpu_mode gpu;
    const char *nvml_library; /* NULL: LC_GPU_NVML_LIBRARY (tests point it elsewhere) */
    const char *proc_root;    /* NULL: "/proc" (tests use a fake tree) */
    bool no_host;             /* skip the host.* series */
    bool no_gen;              /* skip gen.cpu_percent */
};

/* Host figures of the latest sample (rates need two samples: has_* false before). */
struct lc_monitor_host {
    bool has_cpu;
    double cpu_percent; /* of the whole machine, 0..100 */
    bool has_mem;
    uint64_t mem_used_bytes;
    uint64_t mem_available_bytes;
    bool has_load;
    double load1;
    bool has_net;
    double net_rx_bytes_per_s; /* all interfaces but lo */
    double net_tx_bytes_per_s;
    bool has_tcp;
    double tcp_retrans_per_s;
};

/* The latest values, for live displays. A plain copy: no pointers inside. */
struct lc_monitor_snapshot {
    uint64_t seq;  /* samples taken so far (0: none yet); grows by one per sample */
    uint64_t t_ns; /* CLOCK_MONOTONIC of the latest sample */
    double t_s;    /* the same in seconds since t0 (may be negative before t0) */
    /* The watched tree (when config.pid != 0). */
    bool sut_watched;
    bool sut_alive;    /* false once the root has exited (then sut holds the last values) */
    char sut_comm[64]; /* the root's command name */
    struct lc_proctree_sample sut;
    uint64_t sut_peak_rss_bytes; /* the largest sut.rss_bytes sampled so far */
    /* The host. */
    bool has_host;
    struct lc_monitor_host host;
    /* The generator (this process). */
    bool has_gen;
    double gen_cpu_percent; /* % of one core */
    /* GPUs. */
    unsigned n_gpus;
    struct lc_gpu_reading gpus[LC_GPU_MAX];
};

/* A running monitor. */
struct lc_monitor;

/*
 * Validate cfg, load NVML (per cfg->gpu), take the first sample at once (so
 * a missing process fails here, not later) and start the sampling thread.
 * t0_ns: the CLOCK_MONOTONIC time that t_s = 0 stands for (the run start;
 * change it later with lc_monitor_set_t0). cfg and its strings are copied.
 * *out owns the thread and every sample; release it with lc_monitor_free.
 * Errors (nothing left running, *out NULL):
 *   LC_EINVAL  pid < 0, interval out of range ("interval must be ...")
 *   LC_ESYS    "no process with pid N" / "process N (comm) has already exited";
 *              the gpu: required messages of lc_gpu_open; /proc unreadable;
 *              the thread could not be created
 *   LC_ENOMEM
 */
int lc_monitor_start(const struct lc_monitor_config *cfg, uint64_t t0_ns, struct lc_monitor **out,
                     struct lc_error *err) LC_WARN_UNUSED;

/* Change the time origin of t_s (thread-safe; applies to every sample, past ones too). */
void lc_monitor_set_t0(struct lc_monitor *m, uint64_t t0_ns);

/* Stop sampling and join the thread (idempotent; the samples are kept). */
void lc_monitor_stop(struct lc_monitor *m);

/*
 * Copy the latest values into *out (thread-safe, takes the monitor's mutex
 * for a memcpy). Returns out->seq (0 before the first sample: impossible
 * after a successful start).
 */
uint64_t lc_monitor_latest(struct lc_monitor *m, struct lc_monitor_snapshot *out);

/*
 * Wait until a sample newer than after_seq exists (returns true and fills
 * *out), or timeout_ns passes or the monitor stops (returns false; *out
 * holds the latest values anyway). Thread-safe.
 */
bool lc_monitor_wait(struct lc_monitor *m, uint64_t after_seq, uint64_t timeout_ns,
                     struct lc_monitor_snapshot *out);

/*
 * Append every series with at least one sample to r->resources, grouped
 * sut, host, gen, gpu in the order listed above (per-CPU, per-interface and
 * per-GPU series in the order they appeared; t_s relative to t0),
 * and a warning to r for each sampling problem (the watched process exited
 * at t_s; samples lost to a memory shortage). Thread-safe; meant for after
 * lc_monitor_stop, and once per Result (a second call adds the series again).
 * Returns 0, LC_ENOMEM or LC_ELIMIT (r then holds the series added so far).
 */
int lc_monitor_fill_result(struct lc_monitor *m, struct lc_result *r) LC_WARN_UNUSED;

/* Stop the monitor if it runs, and free it with its samples. NULL is a no-op. */
void lc_monitor_free(struct lc_monitor *m);

#endif
