/*
 * HDR histogram: values recorded in O(1) into log-linear buckets with a fixed
 * relative precision, merged losslessly, encoded in HdrHistogram's V2 format.
 */
#ifndef LC_CORE_HDR_H
#define LC_CORE_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * A histogram of non-negative integer values (loadcell records nanoseconds).
 * Fields are readable; change them only through the functions below.
 * Memory: counts_len * 8 bytes (1 us .. 1 h at 3 digits, in ns: 24576 counts, 192 KiB).
 */
struct lc_hdr {
    int64_t lowest_discernible;  /* >= 1; values below it share bucket 0's resolution */
    int64_t highest_trackable;   /* values above are clamped to it and counted in `clamped` */
    int32_t significant_figures; /* 1..5 */
    int32_t unit_magnitude;
    int32_t sub_bucket_half_count_magnitude;
    int32_t sub_bucket_half_count;
    int64_t sub_bucket_mask;
    int32_t sub_bucket_count;
    int32_t bucket_count;
    int32_t counts_len;
    int64_t total_count;
    int64_t min_value; /* INT64_MAX when empty */
    int64_t max_value; /* 0 when empty */
    int64_t clamped;   /* values recorded above highest_trackable (clamped, not dropped) */
    int64_t *counts;   /* owned */
};

/* The default range for latencies in ns: 1 us .. 1 h at 3 significant figures. */
#define LC_HDR_DEFAULT_LOWEST  1000LL
#define LC_HDR_DEFAULT_HIGHEST 3600000000000LL
#define LC_HDR_DEFAULT_SIGFIGS 3

/*
 * Initialise h (allocating its counts). lowest >= 1, highest >= 2 * lowest,
 * sigfigs in 1..5. Returns 0, LC_EINVAL or LC_ENOMEM.
 */
int lc_hdr_init(struct lc_hdr *h, int64_t lowest, int64_t highest, int sigfigs) LC_WARN_UNUSED;

/* Initialise with the default latency range. */
int lc_hdr_init_default(struct lc_hdr *h) LC_WARN_UNUSED;

/* Free the counts; h may be initialised again afterwards. */
void lc_hdr_free(struct lc_hdr *h);

/* Record one value (negative values count as 0; above the range: clamped). O(1). */
void lc_hdr_record(struct lc_hdr *h, int64_t value);

/* Record `count` occurrences of one value; count <= 0 records nothing. */
void lc_hdr_record_n(struct lc_hdr *h, int64_t value, int64_t count);

/*
 * Record with coordinated-omission correction as HdrHistogram defines it:
 * when value > expected_interval, also record value - k*interval for k = 1..
 * while that stays >= expected_interval. expected_interval <= 0: plain record.
 */
void lc_hdr_record_corrected(struct lc_hdr *h, int64_t value, int64_t expected_interval);

/*
 * Add every count of src into dst. Same unit and sub-bucket count: counts are
 * added index by index. Otherwise each src bucket is re-recorded at its median
 * equivalent value (capped at src's highest_trackable; HdrHistogram uses the
 * lowest), which keeps the mean. Returns how many of src's values fell above
 * dst's range in this merge; dst->clamped grows by that plus src->clamped.
 * Counts saturate at INT64_MAX instead of overflowing.
 */
int64_t lc_hdr_merge(struct lc_hdr *dst, const struct lc_hdr *src);

/* Zero all counts, keeping the layout. */
void lc_hdr_reset(struct lc_hdr *h);

/*
 * The value at percentile p (0..100): the highest value equivalent to the
 * smallest recorded value v such that at least p% of values are <= v
 * (HdrHistogram's getValueAtPercentile). "At least p%" is the count
 * ceil(p/100 * total) less one ulp (so 99.9% of 1000 is 999, not 1000), at
 * least 1. p = 0 gives the lowest equivalent value instead. 0 when empty.
 */
int64_t lc_hdr_value_at_percentile(const struct lc_hdr *h, double p);

/* Mean and population standard deviation over the buckets' median equivalent values. */
double lc_hdr_mean(const struct lc_hdr *h);  /* 0 when empty */
double lc_hdr_stdev(const struct lc_hdr *h); /* 0 when empty */
/* Lowest equivalent value of the min bucket, highest of the max bucket; 0 when empty. */
int64_t lc_hdr_min(const struct lc_hdr *h);
int64_t lc_hdr_max(const struct lc_hdr *h);

/* Bucket arithmetic exposed for iteration and tests. */
int64_t lc_hdr_lowest_equivalent(const struct lc_hdr *h, int64_t value);
int64_t lc_hdr_highest_equivalent(const struct lc_hdr *h, int64_t value);
int64_t lc_hdr_median_equivalent(const struct lc_hdr *h, int64_t value);

/* Iterate over non-empty buckets in ascending order. */
struct lc_hdr_iter {
    const struct lc_hdr *h;
    int32_t index;      /* next counts index to look at */
    int64_t value_from; /* lowest equivalent value of the current bucket */
    int64_t value_to;   /* highest equivalent value of the current bucket */
    int64_t count;      /* count in the current bucket */
    int64_t cumulative; /* count of all values up to and including this bucket */
};
void lc_hdr_iter_init(struct lc_hdr_iter *it, const struct lc_hdr *h);
/* Advance to the next non-empty bucket; returns 1, or 0 at the end. */
int lc_hdr_iter_next(struct lc_hdr_iter *it);

/*
 * Encode h in HdrHistogram's V2 compressed format (zlib), then base64: the
 * text form that HdrHistogram's Java, C and JS libraries decode.
 * *out is malloc'd, NUL-terminated, owned by the caller. Returns 0 or LC_ENOMEM.
 */
int lc_hdr_encode_base64(const struct lc_hdr *h, char **out) LC_WARN_UNUSED;

/*
 * Decode a base64 V2 compressed histogram into h (initialised by this call;
 * free with lc_hdr_free). An uncompressed V2 blob (cookie 0x1c849303) is
 * accepted too. min_value/max_value become the lowest/highest equivalent
 * values of the first/last non-empty buckets; clamped is 0. Strict about
 * structure (lengths must match, the zlib stream must end with the payload),
 * lenient where HdrHistogram's writers differ (normalizing index offset,
 * conversion ratio, the cookies' word-size nibble). Returns 0, LC_EFORMAT with
 * the reason in err (err may be NULL), or LC_ENOMEM; on failure h owns no
 * memory (lc_hdr_free is allowed but not needed).
 */
int lc_hdr_decode_base64(struct lc_hdr *h, const char *text, size_t len,
                         struct lc_error *err) LC_WARN_UNUSED;

#endif
