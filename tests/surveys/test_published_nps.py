"""The NPS interval against the published definitions (shared/reference/published-values.md, "NPS interval").

Sources: Rocks, B. (2016), "Interval estimation for the 'net promoter score'", *The American Statistician*
70(4); Lewis, J. R. & Sauro, J., MeasuringU ("Evaluating NPS confidence intervals with real-world data").
Published facts checked here:
- promoters 9-10, passives 7-8, detractors 0-6; NPS = 100 (p - d);
- Var(NPS) = 100^2 [p + d - (p - d)^2] / n;
- adjusted-Wald: add 3 to n and 3/4 to both promoters and detractors, then use that variance;
- Rocks found adjusted-Wald the best-covering interval (here: it covers closer to 95% than the plain Wald
  interval at small n, over 2,000 seeded samples per case).
Tolerances: 1e-9 relative for the closed forms (same arithmetic, independent code); coverage 93-97.5%.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from cxjourney.config import Settings
from cxjourney.ingest.responses import store_responses
from cxjourney.ingest.writer import EventWriter
from cxjourney.metrics.stats import nps_interval, nps_variance
from cxjourney.query import QueryContext, run_query
from cxjourney.storage import memory_store

Z95 = 1.959963984540054
CASES = [(50, 20, 100), (4, 5, 17), (77, 32, 185), (30, 0, 30), (0, 12, 12), (494, 232, 1293)]


def _published_adjusted_wald(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    na = n + 3
    p, d = (promoters + 0.75) / na, (detractors + 0.75) / na
    half = Z95 * math.sqrt((p + d - (p - d) ** 2) / na)
    return max(-100.0, 100 * (p - d - half)), min(100.0, 100 * (p - d + half))


@pytest.mark.parametrize(("promoters", "detractors", "n"), CASES)
def test_nps_variance_is_the_published_formula(promoters: int, detractors: int, n: int) -> None:
    p, d = promoters / n, detractors / n
    assert 100**2 * nps_variance(promoters, detractors, n) == pytest.approx(100**2 * (p + d - (p - d) ** 2) / n, rel=1e-9)


@pytest.mark.parametrize(("promoters", "detractors", "n"), CASES)
def test_adjusted_wald_adds_3_to_n_and_three_quarters_to_promoters_and_detractors(promoters: int, detractors: int, n: int) -> None:
    value, lo, hi = nps_interval(promoters, detractors, n, 0.95)
    assert value == pytest.approx(100 * (promoters - detractors) / n, rel=1e-12)
    assert (lo, hi) == pytest.approx(_published_adjusted_wald(promoters, detractors, n), rel=1e-9, abs=1e-9)


def test_at_n_100_an_nps_of_30_is_really_30_plus_minus_15() -> None:
    # The product brief's example: 50 promoters, 30 passives, 20 detractors of 100.
    value, lo, hi = nps_interval(50, 20, 100)
    assert value == pytest.approx(30.0)
    assert (hi - lo) / 2 == pytest.approx(15.1, abs=0.1)


def test_the_nps_query_reports_the_published_interval() -> None:
    # Every surface (CLI, API, dashboard) runs this query, so this is the number users see.
    store = memory_store()
    writer = EventWriter(store)
    scores = [10] * 30 + [9] * 20 + [8] * 20 + [7] * 10 + [6] * 10 + [3] * 6 + [0] * 4
    rows = [{"response_id": f"r{i}", "question_id": "nps", "survey_id": "s", "kind": "nps", "score": float(s),
             "comment": None, "user_id": f"u{i}", "touchpoint": "t", "journey": None, "stage": None, "channel": "email",
             "language": "en", "timestamp": datetime(2026, 1, 1) + timedelta(minutes=i)} for i, s in enumerate(scores)]
    store_responses(store, writer, rows, received_at=datetime(2026, 2, 1), source="test")
    (row,) = run_query(QueryContext(store, Settings(), datetime(2026, 2, 1)), "nps", {}).rows
    assert (row["promoters"], row["passives"], row["detractors"], row["n"]) == (50, 30, 20, 100)
    assert row["value"] == pytest.approx(30.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_published_adjusted_wald(50, 20, 100), rel=1e-9)


def _coverage(shares: tuple[float, float, float], n: int, interval: str) -> float:
    rng = np.random.default_rng(2016 + n)
    true = 100 * (shares[0] - shares[2])
    hits = 0
    for prom, _, det in rng.multinomial(n, shares, size=2000):
        if interval == "adjusted":
            _, lo, hi = nps_interval(float(prom), float(det), float(n))
        else:  # plain Wald: the published variance at the observed shares, no adjustment
            half = 100 * Z95 * math.sqrt(nps_variance(prom, det, n))
            lo, hi = 100 * (prom - det) / n - half, 100 * (prom - det) / n + half
        hits += lo <= true <= hi
    return hits / 2000


@pytest.mark.parametrize("n", [20, 30])
@pytest.mark.parametrize("shares", [(0.8, 0.15, 0.05), (0.9, 0.08, 0.02)])
def test_adjusted_wald_covers_closer_to_95_percent_than_plain_wald_at_small_n(n: int, shares: tuple[float, float, float]) -> None:
    adjusted, wald = _coverage(shares, n, "adjusted"), _coverage(shares, n, "wald")
    assert 0.93 <= adjusted <= 0.975, f"adjusted-Wald coverage {adjusted:.3f}"
    assert abs(adjusted - 0.95) < abs(wald - 0.95), f"adjusted {adjusted:.3f} vs Wald {wald:.3f}"
