"""Rows for rates, ratios and means with intervals, built from aggregated (already executed) numbers.

Every rate row is ``{dimensions..., value, ci_low, ci_high, n, k, flags}`` (Wilson interval for
proportions). Ratios that are not proportions (cost per click, average order value, pages per session)
carry ``value`` and ``n`` and, where a per-unit standard deviation is known, a t interval of the mean.
Formulas: docs/analytics.md.
"""

from __future__ import annotations

import math
from typing import Any

from cxjourney.lazy import lazy_module
from cxjourney.metrics.stats import flags_for, rate_row, wilson

_st = lazy_module("scipy.stats")

__all__ = ["mean_row", "plain", "rate_row", "ratio_row", "wilson"]


def plain(v: Any) -> Any:
    """A JSON-friendly Python scalar from numpy/pandas values (NaN/NaT -> None)."""
    if v is None:
        return None
    if hasattr(v, "item"):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "isoformat"):
        try:
            if v != v:  # NaT
                return None
        except TypeError:
            pass
        return v.isoformat()
    return v


def ratio_row(num: float | None, den: float | None, *, n: float, min_sample: int, **dims: Any) -> dict[str, Any]:
    """num/den (e.g. cost / clicks) with its n; no interval (the ratio is not a proportion)."""
    value = (float(num) / float(den)) if num is not None and den else None
    return {**dims, "value": value, "ci_low": None, "ci_high": None, "n": int(n or 0), "flags": flags_for(n or 0, min_sample)}


def mean_row(mean: float | None, sd: float | None, n: float, *, min_sample: int, confidence: float = 0.95,
             **dims: Any) -> dict[str, Any]:
    """A mean with its Student-t interval (mean ± t·sd/√n)."""
    lo = hi = None
    if mean is not None and sd is not None and n and n > 1 and not math.isnan(sd):
        t = float(_st.t.ppf(0.5 + confidence / 2.0, n - 1))
        half = t * float(sd) / math.sqrt(n)
        lo, hi = float(mean) - half, float(mean) + half
    return {**dims, "value": None if mean is None else float(mean), "ci_low": lo, "ci_high": hi,
            "n": int(n or 0), "flags": flags_for(n or 0, min_sample)}


def rate(k: float, n: float, *, min_sample: int, confidence: float = 0.95, **dims: Any) -> dict[str, Any]:
    return rate_row(float(k or 0), float(n or 0), min_sample=min_sample, confidence=confidence, **dims)
