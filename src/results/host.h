/* Facts about the machine a result was measured on: name, CPU, memory, kernel, OS. */
#ifndef LC_RESULTS_HOST_H
#define LC_RESULTS_HOST_H

#include <stdint.h>

#include "core/error.h"

/*
 * Host facts. Every string is malloc'd and owned by the struct, or NULL when
 * the fact could not be learnt (a missing /etc/os-release, say). Numbers are 0
 * when unknown. Free with lc_host_free.
 */
struct lc_host {
    char *hostname;           /* uname nodename */
    char *os_name;            /* PRETTY_NAME of os-release, e.g. "Debian GNU/Linux 12 (bookworm)" */
    char *kernel_release;     /* uname release, e.g. "6.1.0-18-amd64" */
    char *arch;               /* uname machine, e.g. "x86_64" */
    char *cpu_model;          /* "model name" of /proc/cpuinfo (or the closest field there is) */
    uint32_t logical_cores;   /* online logical CPUs */
    uint64_t mem_total_bytes; /* MemTotal of /proc/meminfo */
};

/*
 * Fill h with the facts of this machine (uname, /proc/cpuinfo, /proc/meminfo,
 * /etc/os-release). h must be zeroed or freed before. Facts that cannot be
 * read are left NULL / 0: probing is best effort and never fails for that.
 * Returns 0 or LC_ENOMEM (h is then freed).
 */
int lc_host_probe(struct lc_host *h, struct lc_error *err) LC_WARN_UNUSED;

/*
 * Like lc_host_probe, but read the files under `root` ("/" or "" for the real
 * ones; a fake tree in tests): root/proc/cpuinfo, root/proc/meminfo,
 * root/etc/os-release (root/usr/lib/os-release as a fallback). uname facts
 * always come from this machine.
 */
int lc_host_probe_root(struct lc_host *h, const char *root, struct lc_error *err) LC_WARN_UNUSED;

/* Deep-copy src into dst (dst must be zeroed or freed). Returns 0 or LC_ENOMEM. */
int lc_host_copy(struct lc_host *dst, const struct lc_host *src) LC_WARN_UNUSED;

/* Free the strings and zero h. */
void lc_host_free(struct lc_host *h);

#endif
