"""Key-driver analysis: how much of the variance of an outcome (NPS / likelihood to recommend) each
touchpoint score explains, as relative importance that adds up to the model R².

- ``shapley``: Shapley decomposition of R² (Lipovetsky & Conklin 2001): each driver's average gain in R²
  over all orders of entry. Exact, over all 2^p subsets (p <= 12).
- ``relative_weights``: Johnson's (2000) relative weights: regress y on the orthogonal counterpart
  Z = X R^-1/2 of the standardised drivers and apportion back through R^1/2. Fast; close to Shapley.
Intervals: percentile bootstrap over respondents (``n_boot`` resamples, ``seed`` fixed).
Rows with a missing value in the outcome or any driver are left out (listwise), and counted.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from cxjourney.errors import InsufficientData, ValidationFailed

Method = Literal["auto", "shapley", "relative_weights"]
MAX_SHAPLEY_DRIVERS = 12
ROWS_PER_DRIVER = 10


def _corr(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    data = np.column_stack([X, y])
    c = np.corrcoef(data, rowvar=False)
    return c[:-1, :-1], c[:-1, -1]


def relative_weights(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's relative weights (they sum to the R² of the full regression)."""
    rxx, rxy = _corr(X, y)
    vals, vecs = np.linalg.eigh(rxx)
    vals = np.clip(vals, 1e-12, None)
    lam = vecs @ np.diag(np.sqrt(vals)) @ vecs.T  # R^(1/2): loadings of X on orthogonal Z
    beta = np.linalg.solve(lam, rxy)  # regression of y on Z
    return (lam**2) @ (beta**2)


def _subset_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    p = len(rxy)
    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        idx = [j for j in range(p) if mask >> j & 1]
        r = rxy[idx]
        r2[mask] = float(r @ np.linalg.lstsq(rxx[np.ix_(idx, idx)], r, rcond=None)[0])
    return r2


def shapley_r2(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact Shapley values of R² (they sum to the R² of the full regression)."""
    p = X.shape[1]
    rxx, rxy = _corr(X, y)
    r2 = _subset_r2(rxx, rxy)
    sizes = np.array([bin(m).count("1") for m in range(1 << p)])
    weight = np.array([math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) for k in range(p)])
    out = np.zeros(p)
    masks = np.arange(1 << p)
    for j in range(p):
        without = masks[(masks >> j & 1) == 0]
        out[j] = float(np.sum(weight[sizes[without]] * (r2[without | (1 << j)] - r2[without])))
    return out


@dataclass
class KeyDrivers:
    table: pd.DataFrame  # driver, importance, share, ci_low, ci_high, rank
    r2_: float
    n_: int
    method: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "r2": self.r2_, "n": self.n_, "meta": self.meta,
                "rows": self.table.to_dict(orient="records")}


def key_drivers(
    frame: pd.DataFrame, *, outcome: str, drivers: list[str] | None = None, method: Method = "auto",
    n_boot: int = 200, confidence: float = 0.95, seed: int = 0, min_rows: int = 30,
) -> KeyDrivers:
    """Relative importance of ``drivers`` for ``outcome`` with bootstrap intervals."""
    if outcome not in frame.columns:
        raise ValidationFailed(f"outcome column {outcome!r} not found (columns: {', '.join(map(str, frame.columns))})",
                               errors=[{"field": outcome, "message": "column not found"}])
    drivers = list(drivers) if drivers else [c for c in frame.columns
                                             if c != outcome and pd.api.types.is_numeric_dtype(frame[c])]
    missing = [d for d in drivers if d not in frame.columns]
    if missing:
        raise ValidationFailed(f"driver column(s) {', '.join(map(repr, missing))} not found",
                               errors=[{"field": d, "message": "column not found"} for d in missing])
    if len(drivers) < 2:
        raise ValidationFailed("key-driver analysis needs at least 2 driver columns", errors=[{"field": "drivers", "message": "fewer than 2"}])
    if method == "auto":
        method = "shapley" if len(drivers) <= 8 else "relative_weights"
    if method == "shapley" and len(drivers) > MAX_SHAPLEY_DRIVERS:
        raise ValidationFailed(f"shapley needs at most {MAX_SHAPLEY_DRIVERS} drivers (got {len(drivers)}); use relative_weights")
    data = frame[[*drivers, outcome]].apply(pd.to_numeric, errors="coerce")
    complete = data.dropna()
    n = len(complete)
    need = max(min_rows, ROWS_PER_DRIVER * len(drivers))
    if n < need:
        raise InsufficientData(
            f"key-driver analysis needs at least {need} complete rows (max of {min_rows} and {ROWS_PER_DRIVER} per "
            f"driver) with {outcome!r} and all {len(drivers)} drivers; got {n} ({len(data) - n} incomplete rows left out)",
            errors=[{"field": "rows", "value": n, "message": f"fewer than {need}"}],
        )
    X, y = complete[drivers].to_numpy(float), complete[outcome].to_numpy(float)
    constant = [d for d, sd in zip([*drivers, outcome], np.std(np.column_stack([X, y]), axis=0), strict=True) if sd == 0]
    if constant:
        raise ValidationFailed(f"column(s) {', '.join(map(repr, constant))} have no variation", errors=[
            {"field": c, "message": "constant"} for c in constant])
    fn = shapley_r2 if method == "shapley" else relative_weights
    est = fn(X, y)
    r2 = float(est.sum())
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        Xb, yb = X[idx], y[idx]
        if np.any(np.std(Xb, axis=0) == 0) or np.std(yb) == 0:
            continue
        boots.append(fn(Xb, yb))
    tail = (1 - confidence) / 2 * 100
    B = np.array(boots) if boots else np.full((1, len(drivers)), np.nan)
    lo, hi = np.percentile(B, tail, axis=0), np.percentile(B, 100 - tail, axis=0)
    table = pd.DataFrame({"driver": drivers, "importance": est, "share": est / r2 if r2 > 0 else np.nan,
                          "ci_low": lo, "ci_high": hi})
    table["rank"] = table["importance"].rank(ascending=False, method="min").astype(int)
    table = table.sort_values("rank").reset_index(drop=True)
    meta = {"outcome": outcome, "rows_left_out": int(len(data) - n), "n_boot": len(boots),
            "confidence": confidence, "seed": seed}
    return KeyDrivers(table, r2, n, method, meta)


def all_subsets(p: int) -> list[tuple[int, ...]]:  # small helper for docs/tests
    return [s for k in range(p + 1) for s in itertools.combinations(range(p), k)]
