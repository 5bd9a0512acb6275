/* Parsers for /proc/PID/{stat,status,io}, /proc/stat, meminfo, loadavg, net/dev and net/snmp. */
#include "monitor/procfs.h"

#include <stdlib.h>
#include <string.h>

/* A read position in text[0..len): every helper stops at end. */
struct cur {
    const char *p;
    const char *end;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void skip_blanks(struct cur *c)
{
    while (c->p < c->end && is_blank(*c->p))
        c->p++;
}

/* Skip blanks, then read an unsigned decimal; 0 or -1 (no digits, or overflow). */
static int read_u64(struct cur *c, uint64_t *out)
{
    skip_blanks(c);
    uint64_t v = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == start)
        return -1;
    *out = v;
    return 0;
}

/* Skip blanks, then read a signed decimal; negative values become 0 (kernel longs that are
 * never negative in practice). 0 or -1. */
static int read_u64_signed(struct cur *c, uint64_t *out)
{
    skip_blanks(c);
    bool neg = c->p < c->end && *c->p == '-';
    if (neg)
        c->p++;
    uint64_t v;
    if (read_u64(c, &v) != 0)
        return -1;
    *out = neg ? 0 : v;
    return 0;
}

/* Skip blanks and one field of non-blank characters. 0, or -1 when there is none. */
static int skip_field(struct cur *c)
{
    skip_blanks(c);
    const char *start = c->p;
    while (c->p < c->end && !is_blank(*c->p) && *c->p != '\n')
        c->p++;
    return c->p == start ? -1 : 0;
}

/* Skip blanks, then read a decimal number (strtod syntax, <= 63 chars). 0 or -1. */
static int read_double(struct cur *c, double *out)
{
    skip_blanks(c);
    char buf[64];
    size_t n = 0;
    while (c->p + n < c->end && n < sizeof(buf) - 1 && !is_blank(c->p[n]) && c->p[n] != '\n')
        n++;
    if (n == 0)
        return -1;
    memcpy(buf, c->p, n);
    buf[n] = '\0';
    char *e;
    double v = strtod(buf, &e);
    if (e != buf + n)
        return -1;
    c->p += n;
    *out = v;
    return 0;
}

/* The next line of c (without its '\n') in *line; false at the end of the text. */
static bool next_line(struct cur *c, struct cur *line)
{
    if (c->p >= c->end)
        return false;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    line->p = c->p;
    line->end = nl ? nl : c->end;
    c->p = nl ? nl + 1 : c->end;
    return true;
}

/* Does the line start with key (exactly, e.g. "VmRSS:")? Then move past it. */
static bool eat_prefix(struct cur *line, const char *key)
{
    size_t k = strlen(key);
    if ((size_t)(line->end - line->p) < k || memcmp(line->p, key, k) != 0)
        return false;
    line->p += k;
    return true;
}

/* A "<number> kB" value (status, meminfo) in bytes. 0 or -1. */
static int read_kb(struct cur *line, uint64_t *bytes)
{
    uint64_t v;
    if (read_u64(line, &v) != 0 || v > UINT64_MAX / 1024)
        return -1;
    skip_blanks(line);
    /* The unit is always kB where present; a bare number means bytes (not seen in practice). */
    bool kb = line->end - line->p >= 2 && line->p[0] == 'k' && line->p[1] == 'B';
    *bytes = kb ? v * 1024 : v;
    return 0;
}

int lc_procfs_parse_pid_stat(const char *text, size_t len, struct lc_procfs_pid_stat *out)
{
    struct cur c = {text, text + len};
    struct lc_procfs_pid_stat s;
    memset(&s, 0, sizeof(s));
    uint64_t v;
    if (read_u64(&c, &v) != 0 || v == 0 || v > INT32_MAX)
        return LC_EINVAL;
    s.pid = (int)v;
    skip_blanks(&c);
    if (c.p >= c.end || *c.p != '(')
        return LC_EINVAL;
    const char *open = c.p + 1;
    const char *close = NULL;
    for (const char *q = c.end; q > open;) {
        q--;
        if (*q == ')') {
            close = q;
            break;
        }
    }
    if (!close)
        return LC_EINVAL;
    size_t clen = (size_t)(close - open);
    if (clen >= sizeof(s.comm))
        clen = sizeof(s.comm) - 1;
    memcpy(s.comm, open, clen);
    s.comm[clen] = '\0';
    c.p = close + 1;
    skip_blanks(&c);
    if (c.p >= c.end || is_blank(*c.p) || *c.p == '\n')
        return LC_EINVAL;
    s.state = *c.p++;
    /* Fields 4.. after the state; read the ones we need, skip the others. */
    uint64_t f[25];
    for (int i = 4; i <= 24; i++) /* several are signed (tpgid -1, priority, nice) */
        if (read_u64_signed(&c, &f[i]) != 0)
            return LC_EINVAL;
    if (f[4] > INT32_MAX)
        return LC_EINVAL;
    s.ppid = (int)f[4];
    s.pgrp = f[5] > INT32_MAX ? 0 : (int)f[5];
    s.utime_ticks = f[14];
    s.stime_ticks = f[15];
    s.cutime_ticks = f[16];
    s.cstime_ticks = f[17];
    s.threads = f[20];
    s.starttime_ticks = f[22];
    s.rss_pages = f[24];
    *out = s;
    return 0;
}

int lc_procfs_parse_pid_status(const char *text, size_t len, struct lc_procfs_pid_status *out)
{
    struct cur c = {text, text + len}, line;
    struct lc_procfs_pid_status s;
    memset(&s, 0, sizeof(s));
    bool has_vol = false, has_nonvol = false;
    while (next_line(&c, &line)) {
        if (eat_prefix(&line, "VmRSS:")) {
            s.has_rss = read_kb(&line, &s.rss_bytes) == 0;
        } else if (eat_prefix(&line, "VmHWM:")) {
            s.has_hwm = read_kb(&line, &s.hwm_bytes) == 0;
        } else if (eat_prefix(&line, "Threads:")) {
            s.has_threads = read_u64(&line, &s.threads) == 0;
        } else if (eat_prefix(&line, "voluntary_ctxt_switches:")) {
            has_vol = read_u64(&line, &s.ctx_voluntary) == 0;
        } else if (eat_prefix(&line, "nonvoluntary_ctxt_switches:")) {
            has_nonvol = read_u64(&line, &s.ctx_nonvoluntary) == 0;
        }
    }
    s.has_ctx = has_vol && has_nonvol;
    if (!s.has_ctx)
        s.ctx_voluntary = s.ctx_nonvoluntary = 0;
    *out = s;
    return 0;
}

int lc_procfs_parse_pid_io(const char *text, size_t len, struct lc_procfs_pid_io *out)
{
    struct cur c = {text, text + len}, line;
    struct lc_procfs_pid_io io;
    memset(&io, 0, sizeof(io));
    bool has_r = false, has_w = false;
    while (next_line(&c, &line)) {
        if (eat_prefix(&line, "rchar:")) {
            if (read_u64(&line, &io.rchar) != 0)
                io.rchar = 0;
        } else if (eat_prefix(&line, "wchar:")) {
            if (read_u64(&line, &io.wchar) != 0)
                io.wchar = 0;
        } else if (eat_prefix(&line, "read_bytes:")) {
            has_r = read_u64(&line, &io.read_bytes) == 0;
        } else if (eat_prefix(&line, "write_bytes:")) {
            has_w = read_u64(&line, &io.write_bytes) == 0;
        }
    }
    if (!has_r || !has_w)
        return LC_EINVAL;
    *out = io;
    return 0;
}

/* Parse the numbers of a "cpu..." line after its name into *cpu. 0 or -1. */
static int parse_cpu_times(struct cur *line, struct lc_procfs_cpu *cpu)
{
    /* user nice system idle iowait irq softirq steal guest guest_nice; old kernels stop early. */
    uint64_t f[8] = {0};
    int got = 0;
    for (; got < 8; got++) {
        skip_blanks(line);
        if (line->p >= line->end)
            break;
        if (read_u64(line, &f[got]) != 0)
            return -1;
    }
    if (got < 4)
        return -1;
    cpu->busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    cpu->idle = f[3] + f[4];
    cpu->total = cpu->busy + cpu->idle;
    return 0;
}

int lc_procfs_parse_stat(const char *text, size_t len, struct lc_procfs_cpu *all,
                         struct lc_procfs_cpu *cpus, size_t max_cpus, size_t *n_cpus, bool *more)
{
    struct cur c = {text, text + len}, line;
    bool has_all = false, over = false;
    size_t n = 0;
    struct lc_procfs_cpu a = {.index = -1};
    while (next_line(&c, &line)) {
        if (!eat_prefix(&line, "cpu"))
            continue;
        if (line.p < line.end && is_blank(*line.p)) {
            if (parse_cpu_times(&line, &a) != 0)
                return LC_EINVAL;
            has_all = true;
            continue;
        }
        uint64_t idx;
        if (line.p >= line.end || *line.p < '0' || *line.p > '9' || read_u64(&line, &idx) != 0 ||
            idx > INT32_MAX)
            continue;
        struct lc_procfs_cpu one = {.index = (int)idx};
        if (parse_cpu_times(&line, &one) != 0)
            return LC_EINVAL;
        if (n < max_cpus)
            cpus[n++] = one;
        else
            over = true;
    }
    if (!has_all)
        return LC_EINVAL;
    *all = a;
    *n_cpus = n;
    *more = over;
    return 0;
}

int lc_procfs_parse_meminfo(const char *text, size_t len, struct lc_procfs_meminfo *out)
{
    struct cur c = {text, text + len}, line;
    uint64_t total = 0, avail = 0, memfree = 0, buffers = 0, cached = 0;
    bool has_total = false, has_avail = false, has_free = false;
    while (next_line(&c, &line)) {
        if (eat_prefix(&line, "MemTotal:"))
            has_total = read_kb(&line, &total) == 0;
        else if (eat_prefix(&line, "MemAvailable:"))
            has_avail = read_kb(&line, &avail) == 0;
        else if (eat_prefix(&line, "MemFree:"))
            has_free = read_kb(&line, &memfree) == 0;
        else if (eat_prefix(&line, "Buffers:")) {
            if (read_kb(&line, &buffers) != 0)
                buffers = 0;
        } else if (eat_prefix(&line, "Cached:")) {
            if (read_kb(&line, &cached) != 0)
                cached = 0;
        }
    }
    if (!has_total || !has_free)
        return LC_EINVAL;
    out->total_bytes = total;
    out->free_bytes = memfree;
    out->has_available = has_avail;
    out->available_bytes = has_avail ? avail : memfree + buffers + cached;
    if (out->available_bytes > total)
        out->available_bytes = total;
    return 0;
}

int lc_procfs_parse_loadavg(const char *text, size_t len, double load[3])
{
    struct cur c = {text, text + len};
    double l[3];
    for (int i = 0; i < 3; i++)
        if (read_double(&c, &l[i]) != 0 || !(l[i] >= 0) || l[i] > 1e9)
            return LC_EINVAL;
    memcpy(load, l, sizeof(l));
    return 0;
}

int lc_procfs_parse_net_dev(const char *text, size_t len, struct lc_procfs_netdev *out, size_t max,
                            size_t *n, bool *more)
{
    struct cur c = {text, text + len}, line;
    /* Two header lines: "Inter-|   Receive ..." and " face |bytes    packets ...". */
    if (!next_line(&c, &line) || !next_line(&c, &line) ||
        !memchr(line.p, '|', (size_t)(line.end - line.p)))
        return LC_EINVAL;
    size_t k = 0;
    bool over = false;
    while (next_line(&c, &line)) {
        skip_blanks(&line);
        const char *colon = memchr(line.p, ':', (size_t)(line.end - line.p));
        if (!colon || colon == line.p)
            continue;
        struct lc_procfs_netdev d;
        memset(&d, 0, sizeof(d));
        size_t nl = (size_t)(colon - line.p);
        if (nl >= sizeof(d.name))
            nl = sizeof(d.name) - 1;
        memcpy(d.name, line.p, nl);
        line.p = colon + 1;
        /* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets ... */
        uint64_t f[10];
        bool ok = true;
        for (int i = 0; i < 10 && ok; i++)
            ok = read_u64(&line, &f[i]) == 0;
        if (!ok)
            continue;
        d.rx_bytes = f[0];
        d.rx_packets = f[1];
        d.tx_bytes = f[8];
        d.tx_packets = f[9];
        if (k < max)
            out[k++] = d;
        else
            over = true;
    }
    *n = k;
    *more = over;
    return 0;
}

int lc_procfs_parse_snmp_retrans(const char *text, size_t len, uint64_t *retrans_segs)
{
    struct cur c = {text, text + len}, line;
    while (next_line(&c, &line)) {
        if (!eat_prefix(&line, "Tcp:"))
            continue;
        /* The header line: find the column of RetransSegs. */
        int col = -1;
        for (int i = 0; line.p < line.end; i++) {
            skip_blanks(&line);
            const char *w = line.p;
            if (skip_field(&line) != 0)
                break;
            if ((size_t)(line.p - w) == strlen("RetransSegs") && memcmp(w, "RetransSegs", 11) == 0)
                col = i;
        }
        struct cur vals;
        if (col < 0 || !next_line(&c, &vals) || !eat_prefix(&vals, "Tcp:"))
            return LC_EINVAL;
        for (int i = 0; i < col; i++)
            if (skip_field(&vals) != 0)
                return LC_EINVAL;
        return read_u64(&vals, retrans_segs) == 0 ? 0 : LC_EINVAL;
    }
    return LC_EINVAL;
}
