"""BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)).

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each purchase
they drop out with probability p ~ Beta(a, b). Data per customer: x repeat purchases, the time t_x of the
last one and the age T, both measured from the first purchase.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1

from cxjourney.models._base import PurchaseModel


class BGNBD(PurchaseModel):
    name: ClassVar[str] = "bgnbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0), (0.5, 5.0, 0.5, 2.0))

    def _loglik_individual(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        still_alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
        # Dropped out right after the last purchase (only possible once a repeat purchase happened).
        with np.errstate(invalid="ignore", divide="ignore"):
            dropped = np.where(
                x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf
            )
        return common + np.logaddexp(still_alive, dropped)

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.where(x > 0, lo, -np.inf)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(still alive at T | x, t_x, T), eq. (12) of the paper."""
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        return expit(-self._log_odds_dead(x, tx, T))

    def conditional_expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t], eq. (10) of the paper."""
        r, alpha, a, b = self._p
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        z = t / (alpha + T + t)
        bracket = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * bracket * self.p_alive(x, tx, T)

    def expected_purchases(self, t: Any) -> np.ndarray:
        """E[X(t)] for a customer just acquired, eq. (9) of the paper."""
        r, alpha, a, b = self._p
        t = np.asarray(t, dtype=float)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
