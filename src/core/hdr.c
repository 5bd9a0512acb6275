/* HDR histogram (HdrHistogram's log-linear layout): O(1) record, merge, percentiles, V2 codec. */
#include "core/hdr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/base64.h"

/* HdrHistogram's V2 cookies; the 0xf0 nibble carries a word size and is ignored on decode. */
#define V2_ENCODING_COOKIE_BASE   0x1c849303u
#define V2_COMPRESSED_COOKIE_BASE 0x1c849304u
#define V2_COOKIE_WORD_SIZE       0x10u
#define V2_HEADER_BYTES           40
#define V2_MAX_WORD_BYTES         9 /* ZigZag LEB128-64b9B: at most 9 bytes per count */

/* Index of the highest set bit of v (v != 0). */
static inline int top_bit(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

/*
 * Bucket arithmetic. For a value v, the bucket is the power-of-two range it
 * falls in above the sub-bucket resolution, and `shift` = bucket +
 * unit_magnitude is how far v is shifted to get its sub-bucket. v | mask keeps
 * small values in bucket 0 and keeps clz away from 0.
 */
static inline int value_shift(const struct lc_hdr *h, uint64_t v)
{
    return top_bit(v | (uint64_t)h->sub_bucket_mask) - h->sub_bucket_half_count_magnitude;
}

static inline int32_t counts_index(const struct lc_hdr *h, int64_t value)
{
    int shift = value_shift(h, (uint64_t)value);
    int32_t bucket = shift - h->unit_magnitude;
    int32_t sub = (int32_t)((uint64_t)value >> shift);
    return ((bucket + 1) << h->sub_bucket_half_count_magnitude) + sub - h->sub_bucket_half_count;
}

/* The lowest value that lands in counts index i (HdrHistogram's valueFromIndex). */
static int64_t value_from_index(const struct lc_hdr *h, int32_t i)
{
    int32_t bucket = (i >> h->sub_bucket_half_count_magnitude) - 1;
    int32_t sub = (i & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;
    if (bucket < 0) {
        sub -= h->sub_bucket_half_count;
        bucket = 0;
    }
    return (int64_t)((uint64_t)sub << (bucket + h->unit_magnitude));
}

/* Width of the range of values equivalent to v (v >= 0). */
static inline uint64_t equivalent_range(const struct lc_hdr *h, int64_t v)
{
    return (uint64_t)1 << value_shift(h, (uint64_t)v);
}

int64_t lc_hdr_lowest_equivalent(const struct lc_hdr *h, int64_t value)
{
    if (value < 0)
        value = 0;
    int shift = value_shift(h, (uint64_t)value);
    return (int64_t)(((uint64_t)value >> shift) << shift);
}

int64_t lc_hdr_highest_equivalent(const struct lc_hdr *h, int64_t value)
{
    if (value < 0)
        value = 0;
    /* In uint64: the next non-equivalent value of the top bucket may be 2^63. */
    uint64_t next = (uint64_t)lc_hdr_lowest_equivalent(h, value) + equivalent_range(h, value);
    return (int64_t)(next - 1);
}

int64_t lc_hdr_median_equivalent(const struct lc_hdr *h, int64_t value)
{
    if (value < 0)
        value = 0;
    return lc_hdr_lowest_equivalent(h, value) + (int64_t)(equivalent_range(h, value) >> 1);
}

/* Buckets needed so that highest is trackable (HdrHistogram's getBucketsNeededToCoverValue). */
static int32_t buckets_needed(int64_t sub_bucket_count, int32_t unit_magnitude, int64_t highest)
{
    int64_t smallest_untrackable = sub_bucket_count << unit_magnitude;
    int32_t buckets = 1;
    while (smallest_untrackable <= highest) {
        if (smallest_untrackable > INT64_MAX / 2)
            return buckets + 1;
        smallest_untrackable <<= 1;
        buckets++;
    }
    return buckets;
}

/* Fill the layout fields of h from the parameters; no allocation. Returns 0 or LC_EINVAL. */
static int layout(struct lc_hdr *h, int64_t lowest, int64_t highest, int sigfigs)
{
    if (lowest < 1 || sigfigs < 1 || sigfigs > 5 || highest / 2 < lowest)
        return LC_EINVAL;
    int64_t single_unit_limit = 2;
    for (int i = 0; i < sigfigs; i++)
        single_unit_limit *= 10;
    int32_t count_magnitude = top_bit((uint64_t)single_unit_limit);
    if (((int64_t)1 << count_magnitude) < single_unit_limit)
        count_magnitude++; /* ceil(log2) */
    int32_t unit_magnitude = top_bit((uint64_t)lowest);
    int32_t half_magnitude = count_magnitude - 1;
    /* HdrHistogram's limit: the top bucket's values must fit in 63 bits. */
    if (unit_magnitude + half_magnitude > 61)
        return LC_EINVAL;
    memset(h, 0, sizeof(*h));
    h->lowest_discernible = lowest;
    h->highest_trackable = highest;
    h->significant_figures = sigfigs;
    h->unit_magnitude = unit_magnitude;
    h->sub_bucket_half_count_magnitude = half_magnitude;
    h->sub_bucket_count = (int32_t)1 << count_magnitude;
    h->sub_bucket_half_count = h->sub_bucket_count / 2;
    h->sub_bucket_mask = ((int64_t)h->sub_bucket_count - 1) << unit_magnitude;
    h->bucket_count = buckets_needed(h->sub_bucket_count, unit_magnitude, highest);
    h->counts_len = (h->bucket_count + 1) * h->sub_bucket_half_count;
    h->min_value = INT64_MAX;
    h->max_value = 0;
    return 0;
}

int lc_hdr_init(struct lc_hdr *h, int64_t lowest, int64_t highest, int sigfigs)
{
    struct lc_hdr tmp;
    int rc = layout(&tmp, lowest, highest, sigfigs);
    if (rc < 0)
        return rc;
    tmp.counts = calloc((size_t)tmp.counts_len, sizeof(int64_t));
    if (!tmp.counts)
        return LC_ENOMEM;
    *h = tmp;
    return 0;
}

int lc_hdr_init_default(struct lc_hdr *h)
{
    return lc_hdr_init(h, LC_HDR_DEFAULT_LOWEST, LC_HDR_DEFAULT_HIGHEST, LC_HDR_DEFAULT_SIGFIGS);
}

void lc_hdr_free(struct lc_hdr *h)
{
    free(h->counts);
    h->counts = NULL;
    h->counts_len = 0;
    h->total_count = 0;
}

/*
 * Only the counts between the min's and the max's slots can be non-zero (every
 * writer keeps min and max), so only those are cleared: a reset costs the span
 * of what was recorded, not the whole layout, and counts never written stay
 * untouched pages (a histogram of 1 us .. 1 h is ~200 KB, a loopback run's
 * latencies use a few KB of it).
 */
void lc_hdr_reset(struct lc_hdr *h)
{
    if (h->counts && h->total_count > 0) {
        int32_t first = counts_index(h, h->min_value), last = counts_index(h, h->max_value);
        if (last >= h->counts_len)
            last = h->counts_len - 1;
        memset(h->counts + first, 0, (size_t)(last - first + 1) * sizeof(int64_t));
    }
    h->total_count = 0;
    h->min_value = INT64_MAX;
    h->max_value = 0;
    h->clamped = 0;
}

/*
 * The hot path: negative -> 0 without a branch, the clamp as one predictable
 * branch, then a clz, two shifts and the counter updates.
 */
static inline void record_count(struct lc_hdr *h, int64_t value, int64_t count)
{
    value &= ~(value >> 63);
    if (__builtin_expect(value > h->highest_trackable, 0)) {
        value = h->highest_trackable;
        h->clamped += count;
    }
    h->counts[counts_index(h, value)] += count;
    h->total_count += count;
    if (value < h->min_value)
        h->min_value = value;
    if (value > h->max_value)
        h->max_value = value;
}

void lc_hdr_record(struct lc_hdr *h, int64_t value)
{
    record_count(h, value, 1);
}

void lc_hdr_record_n(struct lc_hdr *h, int64_t value, int64_t count)
{
    if (count <= 0)
        return;
    record_count(h, value, count);
}

/*
 * The corrected values form the sequence value - k*interval, k = 1..K, all >=
 * interval. Instead of one record per element (a 1 h stall at a 1 us interval
 * would be 3.6e9 of them) this records each bucket's share of the sequence at
 * once: the result is identical, the cost is bounded by the number of buckets.
 */
void lc_hdr_record_corrected(struct lc_hdr *h, int64_t value, int64_t expected_interval)
{
    lc_hdr_record(h, value);
    if (expected_interval <= 0 || value < 2 * expected_interval)
        return;
    int64_t cur = value - expected_interval; /* the largest missing value, >= interval */
    while (cur >= expected_interval) {
        /* Lowest value of the group sharing cur's slot: above the range they all clamp. */
        int64_t floor_value = cur > h->highest_trackable ? h->highest_trackable + 1
                                                         : lc_hdr_lowest_equivalent(h, cur);
        if (floor_value < expected_interval)
            floor_value = expected_interval;
        int64_t n = (cur - floor_value) / expected_interval + 1;
        int64_t smallest = cur - (n - 1) * expected_interval;
        record_count(h, smallest, n);
        cur = smallest - expected_interval;
    }
}

/* a + b for non-negative counts, saturating instead of overflowing. */
static inline int64_t add_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return INT64_MAX;
    return r;
}

int64_t lc_hdr_merge(struct lc_hdr *dst, const struct lc_hdr *src)
{
    if (src->total_count == 0 || !src->counts) {
        dst->clamped = add_sat(dst->clamped, src->clamped);
        return 0;
    }
    int32_t first = counts_index(src, src->min_value), last = counts_index(src, src->max_value);
    if (last >= src->counts_len)
        last = src->counts_len - 1;
    int64_t clamped_before = dst->clamped;
    if (src->unit_magnitude == dst->unit_magnitude &&
        src->sub_bucket_count == dst->sub_bucket_count &&
        src->max_value <= dst->highest_trackable) {
        /* Same bucket boundaries and nothing to clamp: indices line up. */
        for (int32_t i = first; i <= last; i++)
            dst->counts[i] = add_sat(dst->counts[i], src->counts[i]);
        dst->total_count = add_sat(dst->total_count, src->total_count);
        if (src->min_value < dst->min_value)
            dst->min_value = src->min_value;
        if (src->max_value > dst->max_value)
            dst->max_value = src->max_value;
    } else {
        /*
         * Different layouts: re-record each bucket at its median equivalent
         * value (capped at src's range, which its values never exceeded), so
         * that the mean is kept; HdrHistogram uses the lowest equivalent.
         */
        for (int32_t i = first; i <= last; i++) {
            int64_t c = src->counts[i];
            if (c <= 0)
                continue;
            int64_t v = lc_hdr_median_equivalent(src, value_from_index(src, i));
            if (v > src->highest_trackable)
                v = src->highest_trackable;
            record_count(dst, v, c);
        }
    }
    int64_t newly = dst->clamped - clamped_before;
    dst->clamped = add_sat(dst->clamped, src->clamped);
    return newly;
}

/* HdrHistogram JS's ulp: the gap between x and the next larger double (0 for x == 0). */
static double ulp(double x)
{
    if (x == 0.0 || !isfinite(x))
        return 0.0;
    int e;
    frexp(x, &e); /* x = m * 2^e, 0.5 <= m < 1 */
    return ldexp(1.0, e - 53);
}

/*
 * The count a percentile must reach: ceil(p/100 * total), less one ulp so that
 * rounding (99.9/100*1000 = 999.0000000000001) does not overshoot, at least 1.
 * This is how HdrHistogram (JS; Java uses nextAfter on p) derives it.
 */
static int64_t count_at_percentile(double p, int64_t total)
{
    if (!(p >= 0.0)) /* also NaN */
        p = 0.0;
    if (p > 100.0)
        p = 100.0;
    double fp = p / 100.0 * (double)total;
    double c = ceil(fp - ulp(fp));
    if (c < 1.0)
        return 1;
    if (c >= (double)total)
        return total;
    return (int64_t)c;
}

int64_t lc_hdr_value_at_percentile(const struct lc_hdr *h, double p)
{
    if (h->total_count <= 0)
        return 0;
    int64_t target = count_at_percentile(p, h->total_count);
    int64_t cumulative = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        cumulative += h->counts[i];
        if (cumulative >= target) {
            int64_t v = value_from_index(h, i);
            return p <= 0.0 ? lc_hdr_lowest_equivalent(h, v) : lc_hdr_highest_equivalent(h, v);
        }
    }
    return 0;
}

double lc_hdr_mean(const struct lc_hdr *h)
{
    if (h->total_count <= 0)
        return 0.0;
    double total = 0.0;
    struct lc_hdr_iter it;
    lc_hdr_iter_init(&it, h);
    while (lc_hdr_iter_next(&it))
        total += (double)lc_hdr_median_equivalent(h, it.value_from) * (double)it.count;
    return total / (double)h->total_count;
}

double lc_hdr_stdev(const struct lc_hdr *h)
{
    if (h->total_count <= 0)
        return 0.0;
    double mean = lc_hdr_mean(h);
    double total = 0.0;
    struct lc_hdr_iter it;
    lc_hdr_iter_init(&it, h);
    while (lc_hdr_iter_next(&it)) {
        double d = (double)lc_hdr_median_equivalent(h, it.value_from) - mean;
        total += d * d * (double)it.count;
    }
    return sqrt(total / (double)h->total_count);
}

int64_t lc_hdr_min(const struct lc_hdr *h)
{
    if (h->total_count <= 0)
        return 0;
    return lc_hdr_lowest_equivalent(h, h->min_value);
}

int64_t lc_hdr_max(const struct lc_hdr *h)
{
    if (h->total_count <= 0)
        return 0;
    return lc_hdr_highest_equivalent(h, h->max_value);
}

void lc_hdr_iter_init(struct lc_hdr_iter *it, const struct lc_hdr *h)
{
    memset(it, 0, sizeof(*it));
    it->h = h;
}

int lc_hdr_iter_next(struct lc_hdr_iter *it)
{
    const struct lc_hdr *h = it->h;
    /* Stop once every count has been seen: the tail of the array is empty. */
    if (!h->counts || it->cumulative >= h->total_count)
        return 0;
    for (int32_t i = it->index; i < h->counts_len; i++) {
        if (h->counts[i] > 0) {
            int64_t v = value_from_index(h, i);
            it->index = i + 1;
            it->value_from = v;
            it->value_to = lc_hdr_highest_equivalent(h, v);
            it->count = h->counts[i];
            it->cumulative += it->count;
            return 1;
        }
    }
    it->index = h->counts_len;
    return 0;
}

/* ---- V2 encoding ------------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/*
 * ZigZag then LEB128-64b9B: 7 bits per byte with a continuation bit for the
 * first 8 bytes, and a 9th byte carrying the top 8 bits whole. Returns bytes written.
 */
static size_t put_zigzag(uint8_t *p, int64_t value)
{
    uint64_t v = ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
    size_t n = 0;
    while (n < 8) {
        if (v < 0x80) {
            p[n++] = (uint8_t)v;
            return n;
        }
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* The V2 (uncompressed) form: 40-byte header then the run-length coded counts. */
static int encode_v2(const struct lc_hdr *h, uint8_t **out, size_t *out_len)
{
    /* Like HdrHistogram: counts up to the max value's index, zero runs as negatives. */
    int32_t limit = counts_index(h, h->total_count > 0 ? h->max_value : 0) + 1;
    if (limit > h->counts_len)
        limit = h->counts_len;
    uint8_t *buf = malloc(V2_HEADER_BYTES + (size_t)limit * V2_MAX_WORD_BYTES);
    if (!buf)
        return LC_ENOMEM;
    size_t n = V2_HEADER_BYTES;
    for (int32_t i = 0; i < limit;) {
        int64_t c = h->counts[i++];
        if (c == 0) {
            int64_t zeros = 1;
            while (i < limit && h->counts[i] == 0) {
                zeros++;
                i++;
            }
            n += put_zigzag(buf + n, zeros > 1 ? -zeros : 0);
        } else {
            n += put_zigzag(buf + n, c);
        }
    }
    put_be32(buf, V2_ENCODING_COOKIE_BASE | V2_COOKIE_WORD_SIZE);
    put_be32(buf + 4, (uint32_t)(n - V2_HEADER_BYTES));
    put_be32(buf + 8, 0); /* normalizing index offset */
    put_be32(buf + 12, (uint32_t)h->significant_figures);
    put_be64(buf + 16, (uint64_t)h->lowest_discernible);
    put_be64(buf + 24, (uint64_t)h->highest_trackable);
    double ratio = 1.0; /* integer-to-double conversion ratio, as its IEEE bits */
    uint64_t ratio_bits;
    memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
    put_be64(buf + 32, ratio_bits);
    *out = buf;
    *out_len = n;
    return 0;
}

int lc_hdr_encode_base64(const struct lc_hdr *h, char **out)
{
    *out = NULL;
    uint8_t *raw = NULL, *packed = NULL;
    size_t raw_len = 0;
    int rc = encode_v2(h, &raw, &raw_len);
    if (rc < 0)
        return rc;
    uLongf zlen = compressBound((uLong)raw_len);
    packed = malloc(8 + (size_t)zlen);
    if (!packed) {
        rc = LC_ENOMEM;
        goto done;
    }
    if (compress2(packed + 8, &zlen, raw, (uLong)raw_len, Z_DEFAULT_COMPRESSION) != Z_OK) {
        rc = LC_ENOMEM; /* compress2 fails only for memory with a sufficient buffer */
        goto done;
    }
    put_be32(packed, V2_COMPRESSED_COOKIE_BASE | V2_COOKIE_WORD_SIZE);
    put_be32(packed + 4, (uint32_t)zlen);
    rc = lc_base64_encode(packed, 8 + (size_t)zlen, out, NULL);
    if (rc == LC_ERANGE)
        rc = LC_ENOMEM;
done:
    free(raw);
    free(packed);
    return rc;
}

/* ---- V2 decoding ------------------------------------------------------- */

/*
 * Incremental reader of the counts payload: bytes may arrive in any chunks
 * (straight from inflate), a LEB128 word may straddle two of them.
 */
struct counts_reader {
    struct lc_hdr *h;
    uint64_t acc;  /* bits of the word being read */
    int nbytes;    /* bytes of that word read so far */
    int64_t index; /* next counts index */
    int64_t total;
    int32_t first; /* first and last non-empty index; -1 while none */
    int32_t last;
};

/* Apply one decoded word: a count for the next index, or (negative) a run of zeros. */
static int reader_apply(struct counts_reader *r, int64_t word, struct lc_error *err)
{
    int64_t len = r->h->counts_len;
    if (word < 0) {
        uint64_t zeros = 0 - (uint64_t)word;
        if (zeros > (uint64_t)(len - r->index))
            return lc_error_set(err, LC_EFORMAT,
                                "HDR histogram: run of %llu zero counts at index %lld passes the "
                                "end of its %lld counts",
                                (unsigned long long)zeros, (long long)r->index, (long long)len);
        r->index += (int64_t)zeros;
        return 0;
    }
    if (r->index >= len)
        return lc_error_set(err, LC_EFORMAT,
                            "HDR histogram: more counts than its layout holds (%lld)",
                            (long long)len);
    if (word > 0) {
        if (__builtin_add_overflow(r->total, word, &r->total))
            return lc_error_set(err, LC_EFORMAT, "HDR histogram: total count overflows 64 bits");
        r->h->counts[r->index] = word;
        if (r->first < 0)
            r->first = (int32_t)r->index;
        r->last = (int32_t)r->index;
    }
    r->index++;
    return 0;
}

static int reader_feed(struct counts_reader *r, const uint8_t *p, size_t n, struct lc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (r->nbytes < 8) {
            r->acc |= (uint64_t)(b & 0x7f) << (7 * r->nbytes);
            r->nbytes++;
            if (b & 0x80)
                continue;
        } else {
            r->acc |= (uint64_t)b << 56;
        }
        int64_t word = (int64_t)((r->acc >> 1) ^ (0 - (r->acc & 1)));
        r->acc = 0;
        r->nbytes = 0;
        int rc = reader_apply(r, word, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Validate a V2 header and lay out h from it (counts allocated). */
static int parse_header(struct lc_hdr *h, const uint8_t *p, uint32_t *payload_len,
                        struct lc_error *err)
{
    uint32_t cookie = get_be32(p);
    if ((cookie & ~0xf0u) != V2_ENCODING_COOKIE_BASE)
        return lc_error_set(err, LC_EFORMAT,
                            "HDR histogram: cookie 0x%08x is not a V2 encoding (only V2 is "
                            "supported)",
                            cookie);
    uint32_t plen = get_be32(p + 4);
    int32_t sigfigs = (int32_t)get_be32(p + 12);
    int64_t lowest = (int64_t)get_be64(p + 16);
    int64_t highest = (int64_t)get_be64(p + 24);
    /* p + 8 (normalizing index offset) and p + 32 (conversion ratio) do not change the counts. */
    if (plen > INT32_MAX)
        return lc_error_set(err, LC_EFORMAT, "HDR histogram: negative payload length");
    int rc = layout(h, lowest, highest, sigfigs);
    if (rc < 0)
        return lc_error_set(err, LC_EFORMAT,
                            "HDR histogram: unsupported layout (lowest %lld, highest %lld, "
                            "%d significant figures)",
                            (long long)lowest, (long long)highest, (int)sigfigs);
    /* Each count takes at most 9 bytes: a longer payload cannot be valid. */
    if ((uint64_t)plen > (uint64_t)h->counts_len * V2_MAX_WORD_BYTES)
        return lc_error_set(err, LC_EFORMAT,
                            "HDR histogram: payload of %u bytes is too long for %d counts", plen,
                            (int)h->counts_len);
    h->counts = calloc((size_t)h->counts_len, sizeof(int64_t));
    if (!h->counts)
        return lc_error_set(err, LC_ENOMEM, "HDR histogram: out of memory for %d counts",
                            (int)h->counts_len);
    *payload_len = plen;
    return 0;
}

/* Derive total, min and max from the counts just read. */
static int reader_finish(struct counts_reader *r, struct lc_error *err)
{
    if (r->nbytes != 0)
        return lc_error_set(err, LC_EFORMAT, "HDR histogram: payload ends inside a count");
    struct lc_hdr *h = r->h;
    h->total_count = r->total;
    if (r->first >= 0) {
        h->min_value = value_from_index(h, r->first);
        h->max_value = lc_hdr_highest_equivalent(h, value_from_index(h, r->last));
    }
    return 0;
}

/* Decode an uncompressed V2 blob of n bytes. */
static int decode_plain(struct lc_hdr *h, const uint8_t *p, size_t n, struct lc_error *err)
{
    if (n < V2_HEADER_BYTES)
        return lc_error_set(err, LC_EFORMAT, "HDR histogram: truncated header (%zu bytes)", n);
    uint32_t plen = 0;
    int rc = parse_header(h, p, &plen, err);
    if (rc < 0)
        return rc;
    if (plen > n - V2_HEADER_BYTES)
        return lc_error_set(err, LC_EFORMAT,
                            "HDR histogram: payload of %u bytes but only %zu present", plen,
                            n - V2_HEADER_BYTES);
    struct counts_reader r = {.h = h, .first = -1, .last = -1};
    rc = reader_feed(&r, p + V2_HEADER_BYTES, plen, err);
    if (rc < 0)
        return rc;
    return reader_finish(&r, err);
}

/* Inflate into out until it is full; 1 when the stream ended, 0 when not, or an error. */
static int inflate_some(z_stream *zs, uint8_t *out, size_t n, struct lc_error *err)
{
    zs->next_out = out;
    zs->avail_out = (uInt)n;
    while (zs->avail_out > 0) {
        int zr = inflate(zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END)
            return 1;
        if (zr == Z_MEM_ERROR)
            return lc_error_set(err, LC_ENOMEM, "HDR histogram: out of memory inflating");
        if (zr == Z_BUF_ERROR)
            return lc_error_set(err, LC_EFORMAT, "HDR histogram: compressed data is truncated");
        if (zr != Z_OK)
            return lc_error_set(err, LC_EFORMAT, "HDR histogram: corrupt compressed data (%s)",
                                zs->msg ? zs->msg : "zlib error");
    }
    return 0;
}

/* Decode a compressed V2 blob: cookie, length, then a zlib stream of header + payload. */
static int decode_compressed(struct lc_hdr *h, const uint8_t *p, size_t n, struct lc_error *err)
{
    uint32_t zlen = get_be32(p + 4);
    if (zlen > n - 8)
        return lc_error_set(err, LC_EFORMAT,
                            "HDR histogram: %u compressed bytes announced, %zu present", zlen,
                            n - 8);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK)
        return lc_error_set(err, LC_ENOMEM, "HDR histogram: cannot start inflating");
    zs.next_in = (Bytef *)(uintptr_t)(p + 8);
    zs.avail_in = (uInt)zlen;
    uint8_t head[V2_HEADER_BYTES];
    uint8_t chunk[16384];
    uint32_t plen = 0;
    int rc = inflate_some(&zs, head, sizeof(head), err);
    if (rc < 0)
        goto done;
    if (rc == 1 && zs.avail_out != 0) {
        rc = lc_error_set(err, LC_EFORMAT, "HDR histogram: truncated header (%zu bytes)",
                          sizeof(head) - zs.avail_out);
        goto done;
    }
    int ended = rc;
    rc = parse_header(h, head, &plen, err);
    if (rc < 0)
        goto done;
    struct counts_reader r = {.h = h, .first = -1, .last = -1};
    uint32_t left = plen;
    while (left > 0) {
        if (ended) {
            rc = lc_error_set(err, LC_EFORMAT,
                              "HDR histogram: payload of %u bytes but the data ends after %u", plen,
                              plen - left);
            goto done;
        }
        size_t want = left < sizeof(chunk) ? left : sizeof(chunk);
        rc = inflate_some(&zs, chunk, want, err);
        if (rc < 0)
            goto done;
        ended = rc;
        size_t got = want - zs.avail_out;
        rc = reader_feed(&r, chunk, got, err);
        if (rc < 0)
            goto done;
        left -= (uint32_t)got;
    }
    if (!ended) {
        /* The stream must end exactly here: probe for one more byte. */
        uint8_t extra;
        rc = inflate_some(&zs, &extra, 1, err);
        if (rc < 0)
            goto done;
        if (rc == 0 || zs.avail_out == 0) {
            rc = lc_error_set(err, LC_EFORMAT,
                              "HDR histogram: more data than the payload length (%u)", plen);
            goto done;
        }
    }
    rc = reader_finish(&r, err);
done:
    inflateEnd(&zs);
    return rc;
}

int lc_hdr_decode_base64(struct lc_hdr *h, const char *text, size_t len, struct lc_error *err)
{
    memset(h, 0, sizeof(*h));
    h->min_value = INT64_MAX;
    uint8_t *bin = NULL;
    size_t n = 0;
    int rc = lc_base64_decode(text, len, &bin, &n);
    if (rc == LC_ENOMEM)
        return lc_error_set(err, rc, "HDR histogram: out of memory");
    if (rc < 0)
        return lc_error_set(err, LC_EFORMAT, "HDR histogram: invalid base64");
    if (n < 8) {
        rc = lc_error_set(err, LC_EFORMAT, "HDR histogram: too short (%zu bytes)", n);
        goto done;
    }
    uint32_t cookie = get_be32(bin) & ~0xf0u;
    if (cookie == V2_COMPRESSED_COOKIE_BASE)
        rc = decode_compressed(h, bin, n, err);
    else if (cookie == V2_ENCODING_COOKIE_BASE)
        rc = decode_plain(h, bin, n, err);
    else
        rc = lc_error_set(err, LC_EFORMAT,
                          "HDR histogram: cookie 0x%08x is not a V2 (compressed) encoding",
                          get_be32(bin));
done:
    free(bin);
    if (rc < 0) {
        lc_hdr_free(h);
        memset(h, 0, sizeof(*h));
        h->min_value = INT64_MAX;
    }
    return rc;
}
