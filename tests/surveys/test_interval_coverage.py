"""Simulation: the adjusted-Wald NPS interval covers the true NPS in about 95% of samples.

Rocks (2016), The American Statistician 70(4): adjusted-Wald covers close to the nominal 95% (see
/work/shared/reference/published-values.md). Tolerance: 93-97% coverage over 2,000 seeded samples.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxjourney.metrics.stats import nps_interval

# True (promoter, passive, detractor) shares; true NPS = 100 (p - d).
DISTRIBUTIONS = [(0.45, 0.30, 0.25), (0.30, 0.40, 0.30), (0.60, 0.25, 0.15)]


@pytest.mark.parametrize("n", [50, 400])
@pytest.mark.parametrize("shares", DISTRIBUTIONS)
def test_nps_interval_covers_the_true_value_about_95_percent_of_the_time(n: int, shares: tuple[float, float, float]) -> None:
    rng = np.random.default_rng(20260 + n)
    true = 100 * (shares[0] - shares[2])
    counts = rng.multinomial(n, shares, size=2000)
    covered = 0
    for prom, _, det in counts:
        _, lo, hi = nps_interval(float(prom), float(det), float(n), 0.95)
        covered += lo <= true <= hi
    coverage = covered / 2000
    assert 0.93 <= coverage <= 0.97, f"coverage {coverage:.3f} at n={n} for shares {shares}"
