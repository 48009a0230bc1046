"""Warm fit time of each customer-base model on CDNOW, with a baseline measured in the same run.

Run: python benchmarks/bench_clv.py [--repeat 5]

For each model: the median warm fit time (import and data preparation excluded; one fit first to warm up),
the time of ONE evaluation of the same model's total log-likelihood at the fitted parameters (the
baseline: the cheapest thing any fitting method must do), and their ratio (how many likelihood evaluations
a whole fit, including the numerical Hessian for standard errors, costs). Target: fit <= ~1 s warm.
Also: the RFM summary from the raw transactions, against reading the raw CSV with pandas.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cxjourney.models import BGNBD, GammaGamma, ParetoNBD, read_transactions, rfm_summary  # noqa: E402

DATA = (ROOT / ".." / "shared" / "data" / "cdnow" / "cdnow_sample_transactions.csv").resolve()


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"CDNOW data not found at {DATA}")

    def load():
        tx = read_transactions(DATA, customer_col="customer_id", date_col="date", amount_col="amount")
        return rfm_summary(tx, calibration_end="1997-09-30", period="week")

    rfm = load()
    t_rfm = timed(load, args.repeat)
    t_csv = timed(lambda: pd.read_csv(DATA, dtype=str), args.repeat)
    print(f"CDNOW sample: {len(rfm.summary)} customers, {int(rfm.summary['frequency'].sum())} repeat purchases")
    print(f"{'step':<14}{'warm time':>12}{'baseline':>14}{'ratio':>10}  baseline = ")
    print(f"{'rfm_summary':<14}{t_rfm * 1000:>10.1f}ms{t_csv * 1000:>12.1f}ms{t_rfm / t_csv:>10.1f}  pandas.read_csv of the raw file")

    s = rfm.summary
    x, tx_, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for cls in (BGNBD, ParetoNBD, GammaGamma):
        model = cls().fit(s)  # warm-up (also JIT-free: pure numpy/scipy)
        t_fit = timed(lambda cls=cls: cls().fit(s), args.repeat)
        p = np.array(list(model.params_.values()))
        if cls is GammaGamma:
            keep = x > 0
            m = s["monetary_value"].to_numpy(float)[keep]

            def one_eval(p=p, keep=keep, m=m, model=model):
                return float(model._loglik_individual(p, x[keep], m).sum())
        else:

            def one_eval(p=p, model=model):
                return float(model._loglik_individual(p, x, tx_, T).sum())

        t_eval = timed(one_eval, max(args.repeat, 50))
        verdict = "ok" if t_fit <= 1.0 else "SLOWER THAN 1 s"
        print(f"{cls.name + ' fit':<14}{t_fit * 1000:>10.1f}ms{t_eval * 1000:>12.3f}ms{t_fit / t_eval:>10.0f}  "
              f"one log-likelihood evaluation (all {len(s)} customers); LL={model.log_likelihood_:.2f}; {verdict}")


if __name__ == "__main__":
    main()
