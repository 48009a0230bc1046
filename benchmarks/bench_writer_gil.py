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
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _insert_all(tables: list, per_commit: int) -> tuple[float, float]:
    """Microseconds per event of the INSERTs and of the COMMITs, into a fresh store."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    from cxjourney.ingest.batch import EVENT_COLUMNS
    from cxjourney.storage import migrate

    with tempfile.TemporaryDirectory() as d:
        con = duckdb.connect(str(Path(d) / "bench.duckdb"))
        migrate(con)
        per_table = max(1, per_commit // tables[0].num_rows)
        groups = [pa.concat_tables(tables[i:i + per_table]) for i in range(0, len(tables), per_table)]
        seq, t_insert, t_commit = 1, 0.0, 0.0
        for t in groups:
            t = t.append_column("seq", pa.array(np.arange(seq, seq + t.num_rows))).append_column("person_id", t["anonymous_id"])
            seq += t.num_rows
            a = time.perf_counter()
            con.execute("BEGIN TRANSACTION")
            con.register("_b", t)
            con.execute(f"INSERT INTO events SELECT {', '.join(EVENT_COLUMNS)} FROM _b")
            con.unregister("_b")
            b = time.perf_counter()
            con.execute("COMMIT")
            t_insert += b - a
            t_commit += time.perf_counter() - b
        con.close()
    n = seq - 1
    return t_insert / n * 1e6, t_commit / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=60_000)
    ap.add_argument("--per-commit", type=int, default=1000)
    args = ap.parse_args()

    from bench_ingest import build_bodies

    from cxjourney.ingest.fastpath import fast_batch

    bodies = build_bodies(max(1, args.events // 250), 250, "gil")
    now = datetime(2026, 11, 20, 11, 0)
    tables = []
    for body, _ in bodies:
        parsed = fast_batch(body, received_at=now, max_event_bytes=32 * 1024)
        assert parsed is not None
        tables.append(parsed[0].table)

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
