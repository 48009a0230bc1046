"""Interval and flag helpers shared by every metric. Formulas are documented in docs/metrics.md."""

from __future__ import annotations

import math
from typing import Any

from cxjourney.lazy import lazy_module

_st = lazy_module("scipy.stats")

INSUFFICIENT = "insufficient_sample"


def z_value(confidence: float = 0.95) -> float:
    return float(_st.norm.ppf(0.5 + confidence / 2.0))


def wilson(k: float, n: float, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Wilson score interval for a proportion k/n; (None, None) when n == 0."""
    if n <= 0:
        return None, None
    z = z_value(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def flags_for(n: float, min_sample: int) -> list[str]:
    return [INSUFFICIENT] if n < min_sample else []


def rate_row(k: float, n: float, *, min_sample: int, confidence: float = 0.95, **dims: Any) -> dict[str, Any]:
    """A row for a rate k/n: value, Wilson interval, n, flags."""
    lo, hi = wilson(k, n, confidence)
    return {
        **dims,
        "value": (k / n) if n else None,
        "ci_low": lo,
        "ci_high": hi,
        "n": int(n),
        "k": int(k),
        "flags": flags_for(n, min_sample),
    }


# ---- Scores (NPS, means) and comparisons. Formulas: docs/metrics-scores.md ---------------------------------


def nps_interval(promoters: float, detractors: float, n: float, confidence: float = 0.95) -> tuple[float | None, float | None, float | None]:
    """(NPS, low, high) on the -100..100 scale. The interval is adjusted-Wald (Rocks 2016): add 3 to n and
    3/4 to promoters and detractors, then use Var = [p + d - (p - d)^2] / n around p - d."""
    if n <= 0:
        return None, None, None
    value = 100.0 * (promoters - detractors) / n
    na = n + 3.0
    p, d = (promoters + 0.75) / na, (detractors + 0.75) / na
    centre = p - d
    half = z_value(confidence) * math.sqrt(max(p + d - centre * centre, 0.0) / na)
    return value, 100.0 * max(-1.0, centre - half), 100.0 * min(1.0, centre + half)


def nps_variance(promoters: float, detractors: float, n: float) -> float:
    """Variance of NPS (as a -1..1 difference of shares) for a sample of n."""
    p, d = promoters / n, detractors / n
    return max(p + d - (p - d) ** 2, 0.0) / n


def mean_sd(n: float, total: float, total_sq: float) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation from n, sum and sum of squares."""
    if n <= 0:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    return mean, math.sqrt(var)


def mean_interval(n: float, total: float, total_sq: float, confidence: float = 0.95,
                  bounds: tuple[float, float] | None = None) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high): Student-t interval mean +- t(n-1) * s / sqrt(n), clipped to the scale's bounds."""
    mean, sd = mean_sd(n, total, total_sq)
    if mean is None or sd is None:
        return mean, None, None
    half = float(_st.t.ppf(0.5 + confidence / 2.0, n - 1)) * sd / math.sqrt(n)
    lo, hi = mean - half, mean + half
    if bounds is not None:
        lo, hi = max(bounds[0], lo), min(bounds[1], hi)
    return mean, lo, hi


def _two_sided(z: float) -> float:
    return float(2.0 * _st.norm.sf(abs(z)))


def diff_proportions(k1: float, n1: float, k2: float, n2: float, confidence: float = 0.95) -> dict[str, float | None]:
    """Share b minus share a: difference, Wald interval of the difference, and the pooled two-proportion z-test p."""
    if n1 <= 0 or n2 <= 0:
        return {"diff": None, "ci_low": None, "ci_high": None, "p_value": None}
    p1, p2 = k1 / n1, k2 / n2
    diff = p2 - p1
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    pool = (k1 + k2) / (n1 + n2)
    se0 = math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    p = 1.0 if se0 == 0 else _two_sided(diff / se0)
    z = z_value(confidence)
    return {"diff": diff, "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p}


def diff_nps(a: tuple[float, float, float], b: tuple[float, float, float], confidence: float = 0.95) -> dict[str, float | None]:
    """NPS of b minus NPS of a (each (promoters, detractors, n)), -100..100 points: difference, interval
    (adjusted-Wald variances added), and a two-sided z-test p-value (unadjusted variances)."""
    (pa, da, na), (pb, db, nb) = a, b
    if na <= 0 or nb <= 0:
        return {"diff": None, "ci_low": None, "ci_high": None, "p_value": None}
    diff = (pb - db) / nb - (pa - da) / na
    adj = nps_variance(pa + 0.75, da + 0.75, na + 3) + nps_variance(pb + 0.75, db + 0.75, nb + 3)
    z = z_value(confidence)
    se = math.sqrt(nps_variance(pa, da, na) + nps_variance(pb, db, nb))
    p = (1.0 if diff == 0 else 0.0) if se == 0 else _two_sided(diff / se)
    return {"diff": 100 * diff, "ci_low": 100 * (diff - z * math.sqrt(adj)), "ci_high": 100 * (diff + z * math.sqrt(adj)), "p_value": p}


def diff_means(a: tuple[float, float, float], b: tuple[float, float, float], confidence: float = 0.95) -> dict[str, float | None]:
    """Mean of b minus mean of a (each (n, sum, sum of squares)): Welch's t-test and interval."""
    ma, sa = mean_sd(*a)
    mb, sb = mean_sd(*b)
    if ma is None or mb is None or sa is None or sb is None:
        return {"diff": None if ma is None or mb is None else mb - ma, "ci_low": None, "ci_high": None, "p_value": None}
    na, nb = a[0], b[0]
    va, vb = sa * sa / na, sb * sb / nb
    diff = mb - ma
    se = math.sqrt(va + vb)
    if se == 0:
        return {"diff": diff, "ci_low": diff, "ci_high": diff, "p_value": 1.0 if diff == 0 else 0.0}
    df = (va + vb) ** 2 / ((va * va) / (na - 1) + (vb * vb) / (nb - 1))
    t = float(_st.t.ppf(0.5 + confidence / 2.0, df))
    return {"diff": diff, "ci_low": diff - t * se, "ci_high": diff + t * se, "p_value": float(2 * _st.t.sf(abs(diff / se), df))}


def benjamini_hochberg(pvalues: list[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in the input order; None stays None."""
    idx = [i for i, p in enumerate(pvalues) if p is not None]
    m = len(idx)
    out: list[float | None] = [None] * len(pvalues)
    if not m:
        return out
    order = sorted(idx, key=lambda i: pvalues[i])  # type: ignore[arg-type, return-value]
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, float(pvalues[i]) * m / rank)  # type: ignore[arg-type]
        out[i] = running
    return out
