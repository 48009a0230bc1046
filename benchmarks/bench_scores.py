"""Score queries on a large answer table, beside a plain pandas computation of the same numbers.

    python benchmarks/bench_scores.py [--answers 1000000] [--repeat 3]

What it does, in one run:
1. Fills an in-memory store with ``--answers`` NPS/CSAT answers (deterministic pseudo-random scores over 8
   touchpoints, 12 months and 50,000 people, each with a ``plan`` trait).
2. Times the registered queries every surface uses (``run_query``): NPS by touchpoint and month, CSAT by
   segment:plan, and NPS change between two months by touchpoint (best of ``--repeat`` after a warm-up).
3. Baseline, same run: the answers already loaded in a pandas DataFrame (loading not timed), NPS by touchpoint
   and month with groupby + the same adjusted-Wald arithmetic in numpy. Prints both and the ratio, and checks
   that both give the same counts and values.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cxjourney.config import Settings  # noqa: E402
from cxjourney.query import QueryContext, run_query  # noqa: E402
from cxjourney.storage import memory_store  # noqa: E402

Z95 = 1.959963984540054


def fill(store, n: int) -> None:
    with store.lock:
        store.con.execute(f"""
            INSERT INTO responses
            SELECT 'r' || i, CASE WHEN i % 4 = 0 THEN 'csat' ELSE 'nps' END, 's', CASE WHEN i % 4 = 0 THEN 'csat' ELSE 'nps' END,
                   CASE WHEN i % 4 = 0 THEN 1 + hash(i) % 5 ELSE hash(i * 7) % 11 END, NULL, NULL,
                   'p' || (i % 50000), 'tp' || (i % 8), NULL, NULL, 'email', 'en',
                   TIMESTAMP '2025-01-01' + to_seconds((hash(i * 13) % (365 * 86400))::BIGINT), now()::TIMESTAMP, 'bench'
            FROM range({n}) t(i)""")
        store.con.execute("""
            INSERT INTO persons (person_id, traits, first_seen, last_seen)
            SELECT 'p' || i, json_object('plan', CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END),
                   TIMESTAMP '2025-01-01', TIMESTAMP '2025-12-31'
            FROM range(50000) t(i)""")


def best(fn, repeat: int) -> tuple[float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def pandas_nps(df) -> dict:
    s = df[df.kind == "nps"]
    g = s.assign(month=s.timestamp.dt.to_period("M"), prom=s.score >= 9, det=s.score <= 6) \
         .groupby(["touchpoint", "month"]).agg(n=("score", "size"), prom=("prom", "sum"), det=("det", "sum"))
    n, p, d = g.n.to_numpy(float), g.prom.to_numpy(float), g.det.to_numpy(float)
    na = n + 3
    pa, da = (p + 0.75) / na, (d + 0.75) / na
    half = Z95 * np.sqrt(np.maximum(pa + da - (pa - da) ** 2, 0) / na)
    g = g.assign(value=100 * (p - d) / n, ci_low=100 * np.maximum(-1, pa - da - half), ci_high=100 * np.minimum(1, pa - da + half))
    return {(tp, str(m.start_time.date())): row for (tp, m), row in g.iterrows()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    store = memory_store()
    t0 = time.perf_counter()
    fill(store, a.answers)
    print(f"answers: {a.answers:,} (filled in {time.perf_counter() - t0:.1f} s)")
    ctx = QueryContext(store, Settings(), datetime(2026, 1, 1))

    t_nps, res = best(lambda: run_query(ctx, "nps", {"by": ["touchpoint"], "period": "month"}), a.repeat)
    t_csat, _ = best(lambda: run_query(ctx, "csat", {"by": ["segment:plan"]}), a.repeat)
    t_change, _ = best(lambda: run_query(ctx, "score_change", {"metric": "nps", "by": ["touchpoint"], "a_from": "2025-01-01",
                                                               "a_to": "2025-01-31", "b_from": "2025-02-01", "b_to": "2025-02-28"}), a.repeat)

    with store.lock:
        df = store.con.execute("SELECT kind, score, touchpoint, timestamp FROM responses").df()
    t_pd, ref = best(lambda: pandas_nps(df), a.repeat)

    rows = res.rows  # type: ignore[attr-defined]
    assert len(rows) == len(ref), (len(rows), len(ref))
    for r in rows:
        x = ref[(r["touchpoint"], r["period"])]
        assert r["n"] == x.n and r["promoters"] == x.prom and r["detractors"] == x.det
        assert abs(r["value"] - x.value) < 1e-9 and abs(r["ci_low"] - x.ci_low) < 1e-9 and abs(r["ci_high"] - x.ci_high) < 1e-9

    print(f"nps by touchpoint x month ({len(rows)} rows): {t_nps * 1000:.0f} ms  (run_query: Ibis -> DuckDB, honest rows)")
    print(f"csat by segment:plan (join to persons):      {t_csat * 1000:.0f} ms")
    print(f"nps change Jan vs Feb by touchpoint:          {t_change * 1000:.0f} ms")
    print(f"baseline: pandas groupby on an in-memory DataFrame (loading not counted): {t_pd * 1000:.0f} ms")
    print(f"ratio nps query / pandas baseline: {t_nps / t_pd:.2f}  (same counts, values and intervals checked)")


if __name__ == "__main__":
    main()
