"""Shared maximum-likelihood machinery for the customer-base models.

Every model maximises a closed-form log-likelihood over positive parameters. We optimise over the
logarithms of the parameters (so positivity is free), take standard errors from the numerical Hessian of
the negative log-likelihood at the optimum (delta method back to the natural scale), and report Wald
intervals computed on the log scale (so they stay positive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy.special import ndtri

from cxjourney.errors import ModelFitError

LOG_BOUND = 12.0  # |log parameter| beyond this (e^12 ~ 1.6e5) means the fit ran off to a boundary


@dataclass
class FitResult:
    params: dict[str, float]
    log_likelihood: float
    standard_errors: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    converged: bool
    iterations: int
    flags: list[str] = field(default_factory=list)


def numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    n = len(x)
    hess = np.empty((n, n))
    f0 = f(x)
    eye = np.eye(n) * h
    for i in range(n):
        fp, fm = f(x + eye[i]), f(x - eye[i])
        hess[i, i] = (fp - 2 * f0 + fm) / h**2
        for j in range(i + 1, n):
            v = (
                f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j]) - f(x - eye[i] + eye[j]) + f(x - eye[i] - eye[j])
            ) / (4 * h**2)
            hess[i, j] = hess[j, i] = v
    return hess


def fit_log_params(
    model_name: str,
    names: Sequence[str],
    loglik: Callable[[np.ndarray], float],
    starts: Sequence[Sequence[float]],
    *,
    confidence: float = 0.95,
) -> FitResult:
    """Maximise ``loglik(params)`` (params on the natural scale) from each start; keep the best.

    Raises :class:`ModelFitError` when no start converges to a finite interior optimum.
    """

    def negll(logp: np.ndarray) -> float:
        if np.any(np.abs(logp) > 2 * LOG_BOUND):
            return 1e300
        with np.errstate(all="ignore"):
            v = loglik(np.exp(logp))
        return -v if np.isfinite(v) else 1e300

    best = None
    for start in starts:
        x0 = np.log(np.asarray(start, dtype=float))
        res = optimize.minimize(negll, x0, method="BFGS", options={"gtol": 1e-6, "maxiter": 500})
        if not np.isfinite(res.fun) or res.fun >= 1e299:
            continue
        # BFGS often reports "precision loss" at a perfectly good optimum; polish with Nelder-Mead.
        if not res.success:
            nm = optimize.minimize(
                negll, res.x, method="Nelder-Mead",
                options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000, "maxfev": 8000},
            )
            if nm.fun <= res.fun:
                res = nm
        if best is None or res.fun < best.fun:
            best = res
    if best is None:
        raise ModelFitError(
            f"{model_name}: the log-likelihood could not be evaluated at any starting point; "
            "check that the summary has finite, non-negative frequency/recency/T",
        )
    logp = np.asarray(best.x, dtype=float)
    if np.any(np.abs(logp) > LOG_BOUND):
        bad = [f"{n}={np.exp(v):.3g}" for n, v in zip(names, logp, strict=True) if abs(v) > LOG_BOUND]
        raise ModelFitError(
            f"{model_name}: the fit did not converge to an interior optimum ({', '.join(bad)} ran off to a "
            "boundary); the data may not support this model (too few repeat purchases, or no heterogeneity)",
            errors=[{"field": "params", "message": "parameter at boundary", "value": ", ".join(bad)}],
        )
    grad = optimize.approx_fprime(logp, negll, 1e-6)
    flags: list[str] = []
    converged = bool(best.success) or float(np.max(np.abs(grad))) < 1e-2
    if not converged:
        raise ModelFitError(
            f"{model_name}: the optimiser did not converge ({best.message}); largest gradient "
            f"{float(np.max(np.abs(grad))):.3g}",
            errors=[{"field": "params", "message": str(best.message)}],
        )
    hess = numerical_hessian(negll, logp)
    params = np.exp(logp)
    z = float(ndtri(0.5 + confidence / 2))
    try:
        cov_log = np.linalg.inv(hess)
        var_log = np.diag(cov_log)
        if np.any(var_log <= 0) or not np.all(np.isfinite(var_log)):
            raise np.linalg.LinAlgError
        se_log = np.sqrt(var_log)
    except np.linalg.LinAlgError:
        se_log = np.full(len(params), np.nan)
        flags.append("hessian_not_positive_definite")
    se = params * se_log
    return FitResult(
        params={n: float(v) for n, v in zip(names, params, strict=True)},
        log_likelihood=float(-best.fun),
        standard_errors={n: float(v) for n, v in zip(names, se, strict=True)},
        intervals={
            n: (float(p * np.exp(-z * s)), float(p * np.exp(z * s)))
            for n, p, s in zip(names, params, se_log, strict=True)
        },
        converged=converged,
        iterations=int(getattr(best, "nit", 0)),
        flags=flags,
    )


def as_array(values: object, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ModelFitError(f"{name} contains missing or infinite values")
    return arr
