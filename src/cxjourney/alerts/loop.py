"""Closed-loop figures of detractor cases: share followed up, time to first contact, re-surveyed, recovery.

* **followed_up** = cases with a first contact / cases (Wilson interval).
* **median_hours_to_first_contact** = median of (contacted_at - created_at) over contacted cases, in hours;
  **median_hours_answer_to_first_contact** the same from the detractor's answer. Distribution-free interval
  from order statistics (binomial with p = 1/2).
* **resurveyed** = contacted cases whose person answered NPS again after the contact / contacted cases.
* **recovery_rate** = of those, the share whose *next* NPS answer after the contact is 7 or more (passive or
  promoter) (Wilson interval). Cases without a later answer are not counted as failures: they are not
  known yet, and ``resurveyed`` shows how many are known.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxjourney.lazy import lazy_module
from cxjourney.metrics.stats import flags_for, rate_row

_st = lazy_module("scipy.stats")

RECOVERED_FROM = 7

DEFINITIONS = {
    "cases": "detractor alerts (NPS 0-6 with a negative comment) created in the period",
    "followed_up": "cases with a first contact (status went to contacted) / cases",
    "median_hours_to_first_contact": "median hours from the case's creation to its first contact",
    "median_hours_answer_to_first_contact": "median hours from the detractor's answer to the first contact",
    "resurveyed": "contacted cases whose person answered NPS again after the contact / contacted cases",
    "recovery_rate": f"contacted cases whose next NPS answer after the contact is >= {RECOVERED_FROM} / resurveyed cases",
}


def median_interval(values: list[float], confidence: float) -> tuple[float | None, float | None, float | None]:
    """(median, low, high): the order statistics x(j), x(n+1-j) with the largest j such that
    P(Binomial(n, 1/2) < j) <= (1 - confidence) / 2; no interval when n is too small for one."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return None, None, None
    med = float(pd.Series(xs).median())
    tail = (1 - confidence) / 2
    j = 0
    while j + 1 <= n and _st.binom.cdf(j, n, 0.5) <= tail:  # cdf(j) = P(B < j + 1)
        j += 1
    if j == 0:
        return med, None, None
    return med, float(xs[j - 1]), float(xs[n - j])


def _hours(later: pd.Series, earlier: pd.Series) -> list[float]:
    d = (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.total_seconds() / 3600.0
    return [float(x) for x in d if not math.isnan(x)]


def _median_row(metric: str, values: list[float], *, min_sample: int, confidence: float, dims: dict[str, Any]) -> dict[str, Any]:
    med, lo, hi = median_interval(values, confidence)
    return {**dims, "metric": metric, "value": med, "ci_low": lo, "ci_high": hi, "n": len(values), "k": None,
            "flags": flags_for(len(values), min_sample)}


def loop_rows(cases: pd.DataFrame, nexts: pd.DataFrame, *, min_sample: int, confidence: float,
              dims: dict[str, Any]) -> list[dict[str, Any]]:
    """``cases``: alert_id, created_at, contacted_at, answered_at; ``nexts``: alert_id, next_score."""
    n = len(cases)
    contacted = cases[cases["contacted_at"].notna()]
    nxt = nexts[nexts["alert_id"].isin(contacted["alert_id"])]
    recovered = int((nxt["next_score"] >= RECOVERED_FROM).sum())
    common: dict[str, Any] = {"min_sample": min_sample, "confidence": confidence}
    return [
        {**dims, "metric": "cases", "value": float(n), "ci_low": None, "ci_high": None, "n": n, "k": n, "flags": []},
        rate_row(len(contacted), n, **common, **dims, metric="followed_up"),
        _median_row("median_hours_to_first_contact", _hours(contacted["contacted_at"], contacted["created_at"]),
                    min_sample=min_sample, confidence=confidence, dims=dims),
        _median_row("median_hours_answer_to_first_contact", _hours(contacted["contacted_at"], contacted["answered_at"]),
                    min_sample=min_sample, confidence=confidence, dims=dims),
        rate_row(len(nxt), len(contacted), **common, **dims, metric="resurveyed"),
        rate_row(recovered, len(nxt), **common, **dims, metric="recovery_rate"),
    ]
