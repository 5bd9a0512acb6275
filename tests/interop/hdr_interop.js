'use strict';
// Interoperability driver for loadcell's HDR histogram V2 encoding, using the
// independent implementation hdr-histogram-js (pinned in package.json).
//
//   node hdr_interop.js decode FILE
//       FILE holds one base64 V2 compressed histogram per line (made by
//       loadcell). For each line prints:
//         total min max mean stdev p0 p1 ... p100 buckets
//       where buckets is "index:count,index:count,..." (non-empty counts
//       only, "-" when none).
//   node hdr_interop.js encode
//       Builds the reference histograms below from a deterministic value list
//       and prints, per histogram:
//         lowest highest sigfigs n seed scale base64 total min max mean stdev p0 ... p100
//
// Values (both languages implement this; see tests/unit/core/test_hdr_interop.c):
//   x is a 32-bit xorshift state (x ^= x << 13; x ^= x >>> 17; x ^= x << 5),
//   seeded with `seed`. For each of the n values: a = next(), b = next();
//   e = a % 31; v = (b % 1024) * 2^e + (a >>> 5) % 2^e; if a % 97 == 0, v = 0;
//   v = v % (highest + 1); count = (1 + (b >>> 10) % 3) * 2^scale.
//
// Min and max are printed with HdrHistogram's (Java) getMinValue/getMaxValue
// meaning: 0 when index 0 holds counts, else the lowest equivalent value of
// the smallest recorded value; the highest equivalent value of the largest.
// The max is taken from the last non-empty bucket, because hdr-histogram-js
// keeps `maxValue` as value + unitMagnitudeMask (Java: value | mask), which
// overshoots into the next bucket when lowestDiscernibleValue > 1.

const fs = require('fs');
const hdr = require('hdr-histogram-js');

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

// lowest, highest, sigfigs, n, seed, scale (counts multiplied by 2^scale)
const CONFIGS = [
    [1, 3600000000000, 3, 20000, 1, 0],
    [1000, 3600000000000, 3, 20000, 2, 0],
    [1, 1000000, 2, 5000, 3, 0],
    [10, 100000000, 1, 3000, 4, 0],
    [1, 1000000000, 5, 2000, 5, 0],
    [1, 3600000000000, 3, 0, 6, 0],
    [1, 4503599627370495, 2, 3000, 7, 0],
    [1000, 3600000000000, 2, 200, 8, 40],
];

function* values(n, seed, highest) {
    let x = seed >>> 0;
    const next = () => {
        x = (x ^ (x << 13)) >>> 0;
        x = (x ^ (x >>> 17)) >>> 0;
        x = (x ^ (x << 5)) >>> 0;
        return x;
    };
    for (let i = 0; i < n; i++) {
        const a = next();
        const b = next();
        const e = a % 31;
        let v = (b % 1024) * 2 ** e + ((a >>> 5) % 2 ** e);
        if (a % 97 === 0) v = 0;
        v = v % (highest + 1);
        yield [v, 1 + ((b >>> 10) % 3)];
    }
}

function stats(h) {
    let first = -1;
    let last = -1;
    const buckets = [];
    for (let i = 0; i < h.countsArrayLength; i++) {
        const c = h.getCountAtIndex(i);
        if (c > 0) {
            if (first < 0) first = i;
            last = i;
            buckets.push(i + ':' + c);
        }
    }
    const total = h.totalCount;
    let min = 0;
    let max = 0;
    if (total > 0) {
        min = h.getCountAtIndex(0) > 0 ? 0 : h.lowestEquivalentValue(h.minNonZeroValue);
        max = h.highestEquivalentValue(h.valueFromIndex(last));
    }
    const fields = [total, min, max, String(h.mean), String(h.stdDeviation)];
    for (const p of PERCENTILES) fields.push(h.getValueAtPercentile(p));
    return { fields, buckets: buckets.length ? buckets.join(',') : '-' };
}

function decode(file) {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
    for (const line of lines) {
        const h = hdr.decodeFromCompressedBase64(line, 64, false);
        const s = stats(h);
        console.log(s.fields.join(' ') + ' ' + s.buckets);
    }
}

function encode() {
    for (const [lowest, highest, sigfigs, n, seed, scale] of CONFIGS) {
        const h = hdr.build({
            lowestDiscernibleValue: lowest,
            highestTrackableValue: highest,
            numberOfSignificantValueDigits: sigfigs,
            bitBucketSize: 64,
            autoResize: false,
            useWebAssembly: false,
        });
        for (const [v, c] of values(n, seed, highest)) h.recordValueWithCount(v, c * 2 ** scale);
        const b64 = hdr.encodeIntoCompressedBase64(h);
        const s = stats(h);
        console.log([lowest, highest, sigfigs, n, seed, scale, b64].concat(s.fields).join(' '));
    }
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'decode' && arg) {
    decode(arg);
} else if (mode === 'encode') {
    encode();
} else {
    console.error('usage: node hdr_interop.js decode FILE | encode');
    process.exit(2);
}
