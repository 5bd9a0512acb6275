/* Parsers for the /proc text files the monitor samples: pure functions over (text, length). */
#ifndef LC_MONITOR_PROCFS_H
#define LC_MONITOR_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Contract shared by every parser below: the input is text[0..len), which
 * need not be NUL-terminated and is never read beyond len; nothing is
 * allocated; the output struct is written only when the parser returns 0.
 * A parser returns LC_EINVAL when a field it needs is missing or malformed
 * (a truncated or foreign file); fields the struct marks optional (has_*)
 * are simply left false when absent. Counters are what the kernel printed;
 * the callers turn them into rates.
 */

/* The fields of /proc/PID/stat the monitor uses (proc(5) numbering in brackets). */
struct lc_procfs_pid_stat {
    int pid;                  /* (1) */
    char comm[64];            /* (2) without the parentheses; may hold spaces and ')' */
    char state;               /* (3) R S D Z T t X I ... */
    int ppid;                 /* (4) */
    int pgrp;                 /* (5) process group */
    uint64_t utime_ticks;     /* (14) user CPU, clock ticks */
    uint64_t stime_ticks;     /* (15) system CPU, clock ticks */
    uint64_t cutime_ticks;    /* (16) user CPU of waited-for children (negative values read as 0) */
    uint64_t cstime_ticks;    /* (17) system CPU of waited-for children */
    uint64_t threads;         /* (20) num_threads */
    uint64_t starttime_ticks; /* (22) start time after boot, clock ticks */
    uint64_t rss_pages;       /* (24) resident set size, pages */
};

/*
 * Parse /proc/PID/stat. comm is found by the LAST ')' of the line, so a
 * command name with spaces or parentheses ("(sd-pam)", "a) b") parses right;
 * it is truncated to fit comm.
 */
int lc_procfs_parse_pid_stat(const char *text, size_t len,
                             struct lc_procfs_pid_stat *out) LC_WARN_UNUSED;

/* The fields of /proc/PID/status the monitor uses; each may be absent (kernel threads, zombies). */
struct lc_procfs_pid_status {
    bool has_rss;
    uint64_t rss_bytes; /* VmRSS */
    bool has_hwm;
    uint64_t hwm_bytes; /* VmHWM: the process's own peak RSS */
    bool has_threads;
    uint64_t threads; /* Threads */
    bool has_ctx;
    uint64_t ctx_voluntary;    /* voluntary_ctxt_switches (of this one task) */
    uint64_t ctx_nonvoluntary; /* nonvoluntary_ctxt_switches */
};

/* Parse /proc/PID/status (or /proc/PID/task/TID/status). Never fails on absent keys. */
int lc_procfs_parse_pid_status(const char *text, size_t len,
                               struct lc_procfs_pid_status *out) LC_WARN_UNUSED;

/* /proc/PID/io. */
struct lc_procfs_pid_io {
    uint64_t rchar;       /* bytes passed to read()-like calls, sockets and pipes included */
    uint64_t wchar;       /* bytes passed to write()-like calls */
    uint64_t read_bytes;  /* bytes the storage layer fetched for the process */
    uint64_t write_bytes; /* bytes it caused to be sent to the storage layer */
};

/* Parse /proc/PID/io; read_bytes and write_bytes are required, rchar and wchar optional (0). */
int lc_procfs_parse_pid_io(const char *text, size_t len,
                           struct lc_procfs_pid_io *out) LC_WARN_UNUSED;

/* The CPU time of one line of /proc/stat, in clock ticks. busy + idle == total. */
struct lc_procfs_cpu {
    int index;     /* N of "cpuN"; -1 for the "cpu" line (all CPUs) */
    uint64_t busy; /* user + nice + system + irq + softirq + steal (guest is inside user) */
    uint64_t idle; /* idle + iowait */
    uint64_t total;
};

/*
 * Parse /proc/stat: the aggregate "cpu" line into *all (required), and up to
 * max_cpus "cpuN" lines into cpus[0..*n_cpus) in file order (offline CPUs
 * have no line, so indexes may skip). *more is set when lines were left out
 * for lack of room (the caller grows its array and parses again). cpus may be
 * NULL when max_cpus is 0.
 */
int lc_procfs_parse_stat(const char *text, size_t len, struct lc_procfs_cpu *all,
                         struct lc_procfs_cpu *cpus, size_t max_cpus, size_t *n_cpus,
                         bool *more) LC_WARN_UNUSED;

/* /proc/meminfo. */
struct lc_procfs_meminfo {
    uint64_t total_bytes;     /* MemTotal */
    uint64_t available_bytes; /* MemAvailable, or MemFree + Buffers + Cached on kernels < 3.14 */
    uint64_t free_bytes;      /* MemFree */
    bool has_available;       /* MemAvailable was present */
};

/* Parse /proc/meminfo. MemTotal and MemFree are required. */
int lc_procfs_parse_meminfo(const char *text, size_t len,
                            struct lc_procfs_meminfo *out) LC_WARN_UNUSED;

/* Parse /proc/loadavg: load[0..3) = the 1, 5 and 15 minute load averages. */
int lc_procfs_parse_loadavg(const char *text, size_t len, double load[3]) LC_WARN_UNUSED;

/* One interface of /proc/net/dev. */
struct lc_procfs_netdev {
    char name[32]; /* truncated to fit */
    uint64_t rx_bytes;
    uint64_t rx_packets;
    uint64_t tx_bytes;
    uint64_t tx_packets;
};

/*
 * Parse /proc/net/dev: up to max interfaces into out[0..*n), in file order;
 * *more is set when some were left out. Lines that do not parse are
 * skipped; the two header lines are required.
 */
int lc_procfs_parse_net_dev(const char *text, size_t len, struct lc_procfs_netdev *out, size_t max,
                            size_t *n, bool *more) LC_WARN_UNUSED;

/*
 * Parse /proc/net/snmp: the RetransSegs counter of the "Tcp:" header and
 * value lines (found by the header's column names, not by position).
 */
int lc_procfs_parse_snmp_retrans(const char *text, size_t len,
                                 uint64_t *retrans_segs) LC_WARN_UNUSED;

#endif
