/* Error codes, their messages, and the map to exit codes. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[LC_ERR_COUNT] = {
    [0] = "success",
    [-LC_EINVAL] = "invalid input",
    [-LC_ENOMEM] = "out of memory",
    [-LC_EIO] = "input/output error",
    [-LC_ERANGE] = "value out of range",
    [-LC_ECONFIG] = "invalid configuration",
    [-LC_ESYS] = "system call failed",
    [-LC_ENOTSUP] = "not supported",
    [-LC_ERESOLVE] = "host name does not resolve",
    [-LC_ECONNECT] = "cannot connect to the target",
    [-LC_ELIMIT] = "resource limit reached",
    [-LC_EUSAGE] = "bad usage",
    [-LC_EFORMAT] = "unexpected file format",
    [-LC_EINTR] = "interrupted",
    [-LC_EAGAIN] = "operation would block",
    [-LC_EPARSE] = "malformed protocol data",
    [-LC_ECLOSED] = "connection closed by peer",
};

const char *lc_strerror(int code)
{
    if (code > 0 || code <= -LC_ERR_COUNT)
        return "unknown error";
    return messages[-code];
}

LC_PRINTF(3, 0)
static void vset(struct lc_error *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int lc_error_set(struct lc_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    err->sys_errno = 0;
    return code;
}

int lc_error_sys(struct lc_error *err, int sys_errno, const char *fmt, ...)
{
    if (!err)
        return LC_ESYS;
    va_list ap;
    va_start(ap, fmt);
    vset(err, LC_ESYS, fmt, ap);
    va_end(ap);
    err->sys_errno = sys_errno;
    size_t used = strlen(err->msg);
    if (sys_errno && used < sizeof(err->msg))
        snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", strerror(sys_errno));
    return LC_ESYS;
}

void lc_error_at(struct lc_error *err, const char *file, unsigned line, unsigned col)
{
    if (!err)
        return;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    err->col = col;
}

void lc_error_clear(struct lc_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

char *lc_error_format(const struct lc_error *err, char *buf, size_t size)
{
    const char *msg = err->msg[0] ? err->msg : lc_strerror(err->code);
    if (err->file[0] && err->line && err->col)
        snprintf(buf, size, "%s:%u:%u: %s", err->file, err->line, err->col, msg);
    else if (err->file[0] && err->line)
        snprintf(buf, size, "%s:%u: %s", err->file, err->line, msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, msg);
    else
        snprintf(buf, size, "%s", msg);
    return buf;
}

int lc_exit_code_for(int code)
{
    switch (code) {
    case LC_OK:
        return LC_EXIT_OK;
    case LC_EINVAL:
    case LC_ERANGE:
    case LC_ECONFIG:
    case LC_EUSAGE:
    case LC_EFORMAT:
    case LC_ENOTSUP:
        return LC_EXIT_USAGE;
    case LC_EINTR:
        return LC_EXIT_INTERRUPTED;
    default:
        return LC_EXIT_RUNTIME;
    }
}
