"""Interval and flag helpers shared by every metric. Formulas are documented in docs/metrics.md."""

from __future__ import annotations

import math
from typing import Any

from scipy import stats as _st

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
