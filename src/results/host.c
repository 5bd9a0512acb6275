/* Host facts from uname, /proc/cpuinfo, /proc/meminfo and /etc/os-release. */
#include "results/host.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The first part of a /proc or /etc file is all we ever need. */
#define HOST_FILE_MAX_BYTES (64 * 1024)

/*
 * Read at most HOST_FILE_MAX_BYTES of root/rel into a malloc'd NUL-terminated
 * buffer (owned by the caller). Returns NULL when the file cannot be read.
 */
static char *read_small_file(const char *root, const char *rel)
{
    char path[4096];
    size_t rlen = root ? strlen(root) : 0;
    while (rlen > 0 && root[rlen - 1] == '/')
        rlen--;
    int n = snprintf(path, sizeof(path), "%.*s%s", (int)rlen, root ? root : "", rel);
    if (n < 0 || (size_t)n >= sizeof(path))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = malloc(HOST_FILE_MAX_BYTES + 1);
    if (!buf) {
        close(fd);
        return NULL;
    }
    size_t used = 0;
    while (used < HOST_FILE_MAX_BYTES) {
        ssize_t got = read(fd, buf + used, HOST_FILE_MAX_BYTES - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    buf[used] = '\0';
    return buf;
}

/* A malloc'd copy of s[0..len) with surrounding blanks removed; NULL when empty or on ENOMEM. */
static char *dup_trimmed(const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return NULL;
    return strndup(s, len);
}

/*
 * In text made of "key<sep>value" lines, find the first line whose key (blanks
 * trimmed) equals `key` and return a pointer to its value and its length.
 */
static const char *find_value(const char *text, const char *key, char sep, size_t *len)
{
    size_t klen = strlen(key);
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t llen = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, sep, llen);
        if (colon) {
            const char *k = line;
            size_t kl = (size_t)(colon - line);
            while (kl > 0 && isspace((unsigned char)k[0])) {
                k++;
                kl--;
            }
            while (kl > 0 && isspace((unsigned char)k[kl - 1]))
                kl--;
            if (kl == klen && memcmp(k, key, klen) == 0) {
                *len = llen - (size_t)(colon + 1 - line);
                return colon + 1;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* The CPU model: x86 "model name", else the names other architectures use. */
static char *cpu_model_from(const char *cpuinfo)
{
    static const char *const keys[] = {"model name", "Processor", "cpu model", "cpu", "Hardware"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t len = 0;
        const char *v = find_value(cpuinfo, keys[i], ':', &len);
        if (v) {
            char *s = dup_trimmed(v, len);
            if (s)
                return s;
        }
    }
    return NULL;
}

/* MemTotal in bytes ("MemTotal:  16318040 kB"), 0 when absent. */
static uint64_t mem_total_from(const char *meminfo)
{
    size_t len = 0;
    const char *v = find_value(meminfo, "MemTotal", ':', &len);
    if (!v)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long kb = strtoull(v, &end, 10);
    if (errno || end == v)
        return 0;
    while (*end == ' ' || *end == '\t')
        end++;
    if (strncmp(end, "kB", 2) == 0)
        return (uint64_t)kb * 1024u;
    return (uint64_t)kb;
}

/* PRETTY_NAME (quotes and shell escapes removed), else NAME; NULL when absent. */
static char *os_name_from(const char *osrel)
{
    static const char *const keys[] = {"PRETTY_NAME", "NAME"};
    for (size_t i = 0; i < 2; i++) {
        size_t len = 0;
        const char *v = find_value(osrel, keys[i], '=', &len);
        if (!v)
            continue;
        char *raw = dup_trimmed(v, len);
        if (!raw)
            continue;
        size_t n = strlen(raw);
        char quote = raw[0];
        size_t from = 0, to = n;
        if ((quote == '"' || quote == '\'') && n >= 2 && raw[n - 1] == quote) {
            from = 1;
            to = n - 1;
        }
        size_t o = 0;
        for (size_t j = from; j < to; j++) {
            if (raw[j] == '\\' && j + 1 < to && quote == '"')
                j++;
            raw[o++] = raw[j];
        }
        raw[o] = '\0';
        if (o > 0)
            return raw;
        free(raw);
    }
    return NULL;
}

/* Copy s into *dst unless s is empty; returns 0 or LC_ENOMEM. */
static int set_fact(char **dst, const char *s)
{
    if (!s || !*s)
        return 0;
    *dst = strdup(s);
    return *dst ? 0 : LC_ENOMEM;
}

int lc_host_probe_root(struct lc_host *h, const char *root, struct lc_error *err)
{
    memset(h, 0, sizeof(*h));
    struct utsname u;
    int have_uname = uname(&u) == 0;
    if (have_uname) {
        if (set_fact(&h->hostname, u.nodename) || set_fact(&h->kernel_release, u.release) ||
            set_fact(&h->arch, u.machine))
            goto nomem;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    h->logical_cores = cores > 0 ? (uint32_t)cores : 0;

    char *text = read_small_file(root, "/proc/cpuinfo");
    if (text) {
        h->cpu_model = cpu_model_from(text);
        free(text);
    }
    text = read_small_file(root, "/proc/meminfo");
    if (text) {
        h->mem_total_bytes = mem_total_from(text);
        free(text);
    }
    text = read_small_file(root, "/etc/os-release");
    if (!text)
        text = read_small_file(root, "/usr/lib/os-release");
    if (text) {
        h->os_name = os_name_from(text);
        free(text);
    }
    if (!h->os_name && have_uname && set_fact(&h->os_name, u.sysname))
        goto nomem;
    return 0;
nomem:
    lc_host_free(h);
    return lc_error_set(err, LC_ENOMEM, "out of memory while probing the host");
}

int lc_host_probe(struct lc_host *h, struct lc_error *err)
{
    return lc_host_probe_root(h, "", err);
}

int lc_host_copy(struct lc_host *dst, const struct lc_host *src)
{
    memset(dst, 0, sizeof(*dst));
    if (set_fact(&dst->hostname, src->hostname) || set_fact(&dst->os_name, src->os_name) ||
        set_fact(&dst->kernel_release, src->kernel_release) || set_fact(&dst->arch, src->arch) ||
        set_fact(&dst->cpu_model, src->cpu_model)) {
        lc_host_free(dst);
        return LC_ENOMEM;
    }
    dst->logical_cores = src->logical_cores;
    dst->mem_total_bytes = src->mem_total_bytes;
    return 0;
}

void lc_host_free(struct lc_host *h)
{
    free(h->hostname);
    free(h->os_name);
    free(h->kernel_release);
    free(h->arch);
    free(h->cpu_model);
    memset(h, 0, sizeof(*h));
}
