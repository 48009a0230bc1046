"""Demo generation + load throughput, beside a baseline measured in the same run.

    python benchmarks/bench_demo.py [--events 500000] [--seed 7]

Measured: ``cxjourney.demo.generate`` into a fresh workspace file (events, persons, identities, responses,
ad costs: everything ``cxjourney demo`` does), in events per second.
Baseline: a plain DuckDB ``INSERT INTO events SELECT * FROM <arrow table>`` of the very same finished event
rows into another fresh workspace file, i.e. only the cost of writing those rows, with nothing generated.
The ratio says how much the generator costs on top of the bare insert. Peak RSS is the process maximum.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cxjourney.demo import generate  # noqa: E402
from cxjourney.storage import connect  # noqa: E402
from cxjourney.workspace import init_workspace  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cxj-bench-demo-"))
    try:
        store = connect(init_workspace(root / "demo", with_examples=False))
        t0 = time.perf_counter()
        counts = generate(store, seed=args.seed, events=args.events)
        demo_s = time.perf_counter() - t0
        rss_demo = peak_rss_mb()
        rows = store.con.sql("SELECT * FROM events ORDER BY seq").to_arrow_table()
        store.close()

        base = connect(init_workspace(root / "baseline", with_examples=False))
        base.con.register("_rows", rows)
        t1 = time.perf_counter()
        base.con.execute("BEGIN TRANSACTION")
        base.con.execute("INSERT INTO events SELECT * FROM _rows")
        base.con.execute("COMMIT")
        base_s = time.perf_counter() - t1
        base.close()

        n = counts["events"]
        print(f"demo: {n:,} events ({counts['customers']:,} customers, {counts['persons']:,} persons, {counts['orders']:,} orders, "
              f"{counts['responses']:,} survey responses), seed {args.seed}")
        print(f"  generate + load : {demo_s:8.2f} s  {n / demo_s:12,.0f} events/s  (peak RSS {rss_demo:,.0f} MB)")
        print(f"  baseline insert : {base_s:8.2f} s  {n / base_s:12,.0f} events/s  (DuckDB INSERT of the same rows from Arrow)")
        print(f"  ratio           : {demo_s / base_s:8.1f} x the bare insert time")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
