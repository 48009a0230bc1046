"""Why the server parses batches in a worker process: the writer's DuckDB insert and commit, alone and beside a
busy Python thread in the same process.

    python benchmarks/bench_writer_gil.py [--events 60000] [--per-commit 1000]

The same events (the ingestion benchmark's, parsed on the fast path) are inserted into a fresh workspace's
``events`` table, ``--per-commit`` per transaction, exactly as the writer does (Arrow table registered, INSERT,
COMMIT), three ways in one run: alone; with a second thread running pure Python (as the request thread did when
it parsed JSON in the server); and with that thread but the switch interval the server sets (0.5 ms). Prints
microseconds per event and the ratio to alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _insert_all(tables: list, per_commit: int) -> tuple[float, float]:
    """Microseconds per event of the INSERTs and of the COMMITs, into a fresh store."""
    import duckdb
    import pyarrow as pa
    from bench_ingest import timed_inserts

    from cxjourney.storage import migrate

    with tempfile.TemporaryDirectory() as d:
        con = duckdb.connect(str(Path(d) / "bench.duckdb"))
        migrate(con)
        per_table = max(1, per_commit // tables[0].num_rows)
        groups = [pa.concat_tables(tables[i:i + per_table]) for i in range(0, len(tables), per_table)]
        t_insert, t_commit = timed_inserts(con, groups)
        con.close()
    n = sum(t.num_rows for t in tables)
    return t_insert / n * 1e6, t_commit / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=60_000)
    ap.add_argument("--per-commit", type=int, default=1000)
    args = ap.parse_args()

    from bench_ingest import build_bodies, event_tables

    tables = event_tables(build_bodies(max(1, args.events // 250), 250, "gil"))

    stop = threading.Event()

    def busy() -> None:  # pure Python, holding the interpreter lock whenever it runs
        x = 0
        while not stop.is_set():
            for i in range(1000):
                x += i

    results = []
    _insert_all(tables[:8], args.per_commit)  # warm-up
    default_interval = sys.getswitchinterval()
    for label, with_thread, interval in (("alone", False, default_interval),
                                         ("beside a busy Python thread", True, default_interval),
                                         ("beside it, switch interval 0.5 ms", True, 0.0005)):
        sys.setswitchinterval(interval)
        stop.clear()
        th = threading.Thread(target=busy, daemon=True)
        if with_thread:
            th.start()
        ins, com = _insert_all(tables, args.per_commit)
        stop.set()
        if with_thread:
            th.join()
        results.append((label, ins, com))
    sys.setswitchinterval(default_interval)
    base = results[0][1] + results[0][2]
    print(f"{len(tables) * 250:,} events, {args.per_commit} per transaction:")
    for label, ins, com in results:
        print(f"  {label:36s} insert {ins:5.1f} us/event  commit {com:5.1f} us/event  "
              f"total {ins + com:5.1f} us/event  ({(ins + com) / base:.2f}x alone)")


if __name__ == "__main__":
    main()
