/* Parsers for the units people type: durations, rates, sizes, percentages. */
#ifndef LC_CORE_PARSE_H
#define LC_CORE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Duration: a non-negative decimal number and a unit, ns us ms s m h
 * ("250us", "1.5s", "2m"). "0" alone is accepted. Stores nanoseconds.
 * Returns 0, or LC_EINVAL with a message that says what was expected.
 */
int lc_parse_duration_ns(const char *s, uint64_t *out_ns, struct lc_error *err) LC_WARN_UNUSED;

/* A duration or a range "LO..HI" (LO <= HI); a single value gives LO == HI. */
int lc_parse_duration_range(const char *s, uint64_t *lo_ns, uint64_t *hi_ns,
                            struct lc_error *err) LC_WARN_UNUSED;

/*
 * Rate: "200/s", "12000/m", "30/h", or a plain number meaning per second.
 * Stores requests per second (> 0).
 */
int lc_parse_rate(const char *s, double *out_per_sec, struct lc_error *err) LC_WARN_UNUSED;

/* A rate or a range "LO..HI" ("10/s..5000/s"). */
int lc_parse_rate_range(const char *s, double *lo, double *hi, struct lc_error *err) LC_WARN_UNUSED;

/*
 * Size: a number and B, KB, MB, GB, TB (powers of 1024; KiB, MiB, GiB are
 * accepted as synonyms), or a plain integer meaning bytes ("512B", "1.5MB").
 */
int lc_parse_size_bytes(const char *s, uint64_t *out_bytes, struct lc_error *err) LC_WARN_UNUSED;

/* A size or a range "LO..HI" ("1KB..4KB"). */
int lc_parse_size_range(const char *s, uint64_t *lo, uint64_t *hi,
                        struct lc_error *err) LC_WARN_UNUSED;

/* Percentage "5%" or "0.5%", or a plain fraction in [0, 1]. Stores a fraction. */
int lc_parse_percent(const char *s, double *out_fraction, struct lc_error *err) LC_WARN_UNUSED;

/* A non-negative integer that fits in uint64 ("10000"); no sign, no units. */
int lc_parse_u64(const char *s, uint64_t *out, struct lc_error *err) LC_WARN_UNUSED;

/* A finite decimal number (strtod syntax, whole string). */
int lc_parse_double(const char *s, double *out, struct lc_error *err) LC_WARN_UNUSED;

/* Human form of a duration with 3 significant figures: "812us", "1.23ms", "2.50s". */
char *lc_format_duration(uint64_t ns, char *buf, size_t size);

/* Human form of a byte count: "512B", "1.50KB", "3.20MB". */
char *lc_format_bytes(double bytes, char *buf, size_t size);

#endif
