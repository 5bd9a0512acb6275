#!/usr/bin/env python3
"""Independent reference values for tests/unit/core/test_stats.c.

Run: python3 tests/unit/core/stats_reference.py  (needs mpmath; uses the
standard library's statistics module, fractions and mpmath, never loadcell).
Every expected constant in test_stats.c is printed here under its name.
"""
import math
import statistics as st
from fractions import Fraction as F

import mpmath as mp

mp.mp.dps = 40


def fmp(fr):
    """Fraction -> mpf."""
    return mp.mpf(fr.numerator) / fr.denominator


def show(name, v):
    print(f"{name} = {float(v)!r}")


def incbeta(a, b, x):
    """I_x(a, b) = x^a (1-x)^b / (a B(a, b)) 2F1(a + b, 1; a + 1; x) (positive terms),
    with I_x(a, b) = 1 - I_{1-x}(b, a) past the mean; mpmath's own betainc
    stalls for large a."""
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    if x > (a + 1) / (a + b + 2):
        return 1 - incbeta(b, a, 1 - x)
    lb = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
    front = mp.exp(a * mp.log(x) + b * mp.log1p(-x) - lb) / a
    return front * mp.hyp2f1(a + b, 1, a + 1, x, maxterms=10**7)


def t_cdf_beta(t, df):
    """Student t CDF from the incomplete beta function."""
    t, df = mp.mpf(t), mp.mpf(df)
    tail = incbeta(df / 2, mp.mpf(1) / 2, df / (df + t * t)) / 2
    return tail if t < 0 else 1 - tail


def t_cdf_quad(t, df):
    """Student t CDF by numerical integration of the density (independent check)."""
    t, df = mp.mpf(t), mp.mpf(df)
    c = mp.gamma((df + 1) / 2) / (mp.sqrt(df * mp.pi) * mp.gamma(df / 2))
    dens = lambda s: c * (1 + s * s / df) ** (-(df + 1) / 2)
    lower = mp.quad(dens, [-mp.inf, -abs(t)])
    return lower if t < 0 else 1 - lower


def bisect(f, target, lo, hi):
    """Root of the increasing f(x) = target on [lo, hi], to (hi - lo) * 2^-140."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    for _ in range(140):
        mid = (lo + hi) / 2
        if f(mid) > target:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def t_quantile(p, df, lo=-200, hi=200):
    return bisect(lambda t: t_cdf_beta(t, df), mp.mpf(p), lo, hi)


def pct7(xs, pct):
    """Type-7 percentile via statistics.quantiles(method='inclusive')."""
    if pct == 0:
        return min(xs)
    if pct == 100:
        return max(xs)
    # quantiles(n=N) gives cut points at i/N, i = 1..N-1; pick N so pct*N/100 is an integer.
    frac = F(pct).limit_denominator(10**6) / 100
    n = frac.denominator
    return st.quantiles(xs, n=n, method="inclusive")[frac.numerator - 1]


print("# summary")
X = [2, 4, 4, 4, 5, 5, 7, 9]
show("SUM_STDEV", st.stdev(X))
show("SUM_SEM", st.stdev(X) / math.sqrt(len(X)))
q = st.quantiles(X, n=4, method="inclusive")
show("SUM_P25", q[0]); show("SUM_MEDIAN", q[1]); show("SUM_P75", q[2])
show("SUM_MAD", st.median([abs(v - st.median(X)) for v in X]))

P = [3.7, -1.25, 8.5, 0.0, 12.0, 4.4, 4.4, 7.125, -6.5, 2.0, 9.75]
for pct in (0, 10, 37.5, 50, 90, 99.9, 100):
    show(f"PCT[{pct}]", pct7(P, pct))

print("# MAD, modified z")
M = [10.1, 9.8, 10.0, 10.3, 9.9, 10.2, 10.0, 25.0, 9.7, -3.0]
med = st.median(M)
mad = st.median([abs(v - med) for v in M])
show("M_MEDIAN", med); show("M_MAD", mad); show("M_MAD_SCALED", mad * 1.4826)
for i, v in enumerate(M):
    show(f"M_Z[{i}]", 0.6745 * (v - med) / mad)
Z0 = [5, 5, 5, 5, 5, 6, 100]
med0 = st.median(Z0)
mean_ad = st.fmean([abs(v - med0) for v in Z0])
for i, v in enumerate(Z0):
    show(f"Z0_Z[{i}]", (v - med0) / (1.253314 * mean_ad))

print("# Welch")
A = [20.1, 22.4, 19.8, 25.3, 21.7, 23.9, 20.5, 24.2, 22.0, 21.1]
B = [18.2, 19.9, 17.5, 21.0, 18.8, 20.4, 16.9, 19.1, 22.3, 18.0, 17.7, 20.6]
ma, mb, va, vb = st.mean(A), st.mean(B), st.variance(A), st.variance(B)
se = math.sqrt(va / len(A) + vb / len(B))
t = (ma - mb) / se
df = (va / len(A) + vb / len(B)) ** 2 / ((va / len(A)) ** 2 / (len(A) - 1) + (vb / len(B)) ** 2 / (len(B) - 1))
p_beta = 2 * t_cdf_beta(-abs(t), df)
p_quad = 2 * t_cdf_quad(-abs(t), df)
assert abs(p_beta - p_quad) < mp.mpf(10) ** -25 * p_beta, (p_beta, p_quad)
show("W_T", t); show("W_DF", df); show("W_SE", se); show("W_DIFF", ma - mb); show("W_P", p_beta)

print("# distributions")
for (tt, d) in [(2.228138851986274, 10), (-1.5, 3), (0.3, 7.5), (-20, 100), (4.0, 1), (-2.5, 2), (1.0, 1e6)]:
    show(f"TCDF({tt}, {d})", t_cdf_beta(tt, d))
for (pp, d) in [(0.975, 10), (0.975, 1), (0.95, 5), (0.995, 30), (0.025, 2.5), (1e-8, 4), (0.975, 1e6)]:
    show(f"TQ({pp}, {d})", t_quantile(pp, d, *((1.5, 2.5) if d > 1000 else (-200, 200))))
for (a, b, x) in [(2, 3, 0.5), (1.5, 2.5, 0.3), (0.5, 0.5, 0.01), (50, 80, 0.4), (1000, 1000, 0.49)]:
    ref = mp.betainc(a, b, 0, x, regularized=True) if a < 100 else incbeta(a, b, x)
    assert abs(ref - incbeta(a, b, x)) < mp.mpf(10) ** -30
    show(f"IB({a}, {b}, {x})", ref)
show("IB(2,3,0.5) exact", F(11, 16))
for x in (1.96, -3.0, -10.0, 0.5):
    show(f"NCDF({x})", mp.ncdf(x))
for pp in (0.975, 0.5 + 1e-9, 1e-10, 0.8413447460685429, 1e-300):
    show(f"NQ({pp})", bisect(mp.ncdf, mp.mpf(pp), -50, 50))

print("# Mann-Whitney")
MA = [1.1, 2.2, 2.2, 3.5, 4.0, 4.0, 5.1, 6.0, 7.3, 8.8, 2.2]
MB = [0.5, 1.1, 2.2, 3.0, 3.0, 4.0, 4.5, 5.0, 5.0, 6.1]
# U by brute-force pair counting.
u_a = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in MA for y in MB)
na, nb = len(MA), len(MB)
N = na + nb
# Independently: rank sums with average ranks for ties.
allv = sorted(MA + MB)
rank = {}
i = 0
while i < N:
    j = i
    while j < N and allv[j] == allv[i]:
        j += 1
    rank[allv[i]] = (i + 1 + j) / 2
    i = j
r_a = sum(rank[v] for v in MA)
assert u_a == r_a - na * (na + 1) / 2
ties = sum(c**3 - c for c in (allv.count(v) for v in set(allv)))
mu = na * nb / 2
sigma = math.sqrt(na * nb / 12 * ((N + 1) - ties / (N * (N - 1))))
z = math.copysign(max(abs(u_a - mu) - 0.5, 0) / sigma, u_a - mu)
show("MW_UA", u_a); show("MW_UB", na * nb - u_a); show("MW_Z", z)
show("MW_P", mp.erfc(abs(z) / mp.sqrt(2)))
show("MW_RBC", (u_a - (na * nb - u_a)) / (na * nb)); show("MW_CLES", u_a / (na * nb))
# Large weighted case: counts in the millions, U by pair counting over bins.
WA = [(1.0, 1_000_000), (2.0, 3_000_000), (5.0, 250_000)]
WB = [(0.5, 10), (1.0, 1_004_000), (2.0, 2_990_000), (3.0, 1_000), (5.0, 251_000)]
u = sum(ca * cb * (1.0 if va_ > vb_ else 0.5 if va_ == vb_ else 0.0) for va_, ca in WA for vb_, cb in WB)
ta, tb = sum(c for _, c in WA), sum(c for _, c in WB)
NN = ta + tb
groups = {}
for v, c in WA + WB:
    groups[v] = groups.get(v, 0) + c
tie = sum(F(c) ** 3 - c for c in groups.values())
var = F(ta * tb, 12) * ((NN + 1) - tie / (NN * (NN - 1)))
dev = abs(F(u) - F(ta * tb, 2)) - F(1, 2)
zz = mp.mpf(dev.numerator) / dev.denominator / mp.sqrt(mp.mpf(var.numerator) / var.denominator)
zz = zz if u > ta * tb / 2 else -zz
show("MWW_UA", u); show("MWW_Z", zz); show("MWW_P", mp.erfc(abs(zz) / mp.sqrt(2)))

print("# OLS")
OX = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
OY = [2.9, 5.1, 7.2, 8.8, 11.3, 12.9, 15.2, 16.8, 19.1, 21.2]
lr = st.linear_regression(OX, OY)
show("OLS_SLOPE", lr.slope); show("OLS_INTERCEPT", lr.intercept)
show("OLS_R2", st.correlation(OX, OY) ** 2)
fx, fy = [F(v) for v in OX], [F(v).limit_denominator(1000) for v in OY]
n = len(fx)
xm, ym = sum(fx) / n, sum(fy) / n
sxx = sum((v - xm) ** 2 for v in fx)
sxy = sum((a - xm) * (b - ym) for a, b in zip(fx, fy))
b1 = sxy / sxx
a0 = ym - b1 * xm
sse = sum((b - a0 - b1 * a) ** 2 for a, b in zip(fx, fy))
s2 = sse / (n - 2)
show("OLS_SE_SLOPE", math.sqrt(s2 / sxx)); show("OLS_SE_INTERCEPT", math.sqrt(s2 * (F(1, n) + xm * xm / sxx)))
show("OLS_RESID_SE", math.sqrt(s2))
# Prediction at x = 15, 90 %.
tq = t_quantile(0.95, n - 2)
yhat = a0 + b1 * 15
spred = mp.sqrt(fmp(s2) * (1 + mp.mpf(1) / n + fmp((15 - xm) ** 2 / sxx)))
show("OLS_PRED", yhat); show("OLS_PRED_LO", fmp(yhat) - tq * spred); show("OLS_PRED_HI", fmp(yhat) + tq * spred)

print("# log-log")
LX = [1000, 2000, 4000, 8000, 16000, 32000]
LY = [0.012, 0.026, 0.049, 0.105, 0.198, 0.43]
lx = [mp.log(v) for v in LX]
ly = [mp.log(mp.mpf(F(v).limit_denominator(10**6).numerator) / F(v).limit_denominator(10**6).denominator) for v in LY]
lr2 = st.linear_regression([float(v) for v in lx], [float(v) for v in ly])
show("LL_SLOPE(statistics)", lr2.slope)
n = len(lx)
xm, ym = sum(lx) / n, sum(ly) / n
sxx = sum((v - xm) ** 2 for v in lx)
b1 = sum((a - xm) * (b - ym) for a, b in zip(lx, ly)) / sxx
a0 = ym - b1 * xm
sse = sum((b - a0 - b1 * a) ** 2 for a, b in zip(lx, ly))
syy = sum((b - ym) ** 2 for b in ly)
s = mp.sqrt(sse / (n - 2))
show("LL_SLOPE", b1); show("LL_INTERCEPT", a0); show("LL_SE_SLOPE", s / mp.sqrt(sxx)); show("LL_R2", 1 - sse / syy)
u0 = mp.log(100000)
tq = t_quantile(0.975, n - 2)
spred = s * mp.sqrt(1 + mp.mpf(1) / n + (u0 - xm) ** 2 / sxx)
show("LL_PRED", mp.exp(a0 + b1 * u0)); show("LL_PRED_LO", mp.exp(a0 + b1 * u0 - tq * spred)); show("LL_PRED_HI", mp.exp(a0 + b1 * u0 + tq * spred))

print("# bootstrap textbook width: 2 * z_0.975 * sigma / sqrt(n), sigma = 2, n = 2000")
show("BOOT_WIDTH", 2 * 1.959963984540054 * 2 / math.sqrt(2000))
