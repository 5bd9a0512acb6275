/* Error codes, their messages, the detail struct and the map to exit codes. */
#ifndef LC_CORE_ERROR_H
#define LC_CORE_ERROR_H

#include <stddef.h>

#define LC_WARN_UNUSED       __attribute__((warn_unused_result))
#define LC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Fallible functions return 0 or one of these (always negative). */
enum lc_err {
    LC_OK = 0,
    LC_EINVAL = -1,   /* malformed input: a value, a flag, a file's content */
    LC_ENOMEM = -2,   /* allocation failed */
    LC_EIO = -3,      /* reading or writing a file failed */
    LC_ERANGE = -4,   /* a value out of its allowed range */
    LC_ECONFIG = -5,  /* a configuration file is invalid */
    LC_ESYS = -6,     /* a system call failed; the detail carries errno */
    LC_ENOTSUP = -7,  /* valid, but not supported (yet) */
    LC_ERESOLVE = -8, /* a host name does not resolve */
    LC_ECONNECT = -9, /* no connection to the target could be made */
    LC_ELIMIT = -10,  /* a resource limit (file descriptors, ports) */
    LC_EUSAGE = -11,  /* bad command-line usage */
    LC_EFORMAT = -12, /* a file is not in the expected format or version */
    LC_EINTR = -13,   /* interrupted by a signal */
    LC_EAGAIN = -14,  /* non-blocking I/O would block */
    LC_EPARSE = -15,  /* a protocol parser found malformed bytes */
    LC_ECLOSED = -16, /* the peer closed the connection */
    LC_ERR_COUNT = 17
};

/* Process exit codes (DESIGN.md). */
enum lc_exit {
    LC_EXIT_OK = 0,           /* ran; all thresholds passed */
    LC_EXIT_FAILED = 1,       /* ran; a threshold failed or compare found a regression */
    LC_EXIT_USAGE = 2,        /* usage or configuration error */
    LC_EXIT_RUNTIME = 3,      /* could not start, or aborted */
    LC_EXIT_INTERRUPTED = 130 /* interrupted; the partial result is written */
};

/*
 * What went wrong, in more words than a code. `file` is empty when no file is
 * involved; line and col are 1-based and 0 when unknown. `sys_errno` is 0
 * unless a system call failed.
 */
struct lc_error {
    int code;
    int sys_errno;
    unsigned line;
    unsigned col;
    char file[256];
    char msg[512];
};

/* The fixed message of a code ("invalid input", ...); never NULL. */
const char *lc_strerror(int code);

/* Fill err (if not NULL) with code and a formatted message; returns code. */
int lc_error_set(struct lc_error *err, int code, const char *fmt, ...) LC_PRINTF(3, 4);

/* Like lc_error_set, and record errno in sys_errno. */
int lc_error_sys(struct lc_error *err, int sys_errno, const char *fmt, ...) LC_PRINTF(3, 4);

/* Attach a location (file, line, col) to an error already set. */
void lc_error_at(struct lc_error *err, const char *file, unsigned line, unsigned col);

/* Clear err to "no error". */
void lc_error_clear(struct lc_error *err);

/*
 * One line for a person: "file:line:col: message" (location parts only when
 * known). Writes at most size bytes including the NUL; returns buf.
 */
char *lc_error_format(const struct lc_error *err, char *buf, size_t size);

/* The exit code a command should end with after failing with `code`. */
int lc_exit_code_for(int code);

#endif
