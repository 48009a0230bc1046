"""Server time of the dashboard's overview page on the demo workspace scaled to 1M and 10M events.

Run: python benchmarks/bench_dashboard.py [--workspace DIR] [--events 1000000 10000000] [--repeat 5]

Target (issue 7): overview page <= 300 ms warm at 1M events, <= 1 s at 10M.

The demo workspace (built with ``cxjourney demo`` when --workspace is not given) is copied and its events
are replicated under new person ids (``~k`` suffix, new seq, same timestamps, persons copied too) until the
table holds N events; its analytics rollups are then built (timed and printed apart: a served workspace keeps
them, the demo and imports build them). The real server runs in this process; each figure is the wall time of
``GET /dashboard/`` over HTTP on 127.0.0.1 (server time + a local round trip):
- cold: the first request after the server started (every query executed, nothing cached);
- warm: the median of --repeat requests once the page was seen and nothing changed (answers from the shared
  result cache, which is keyed by the data version: reading that version is part of every request);
- recomputed: the median with the result cache cleared before each request (DuckDB and Ibis warm, every
  query executed again);
- after new data: the median over --slow-repeat rounds of: POST 3 events to /v1/batch, then GET the page,
  which must recompute (the data version moved) and must show the new event count (checked on its JSON twin).
Baseline, measured in the same run: the same registered queries the overview runs, executed directly with
``run_query`` in the same process (no HTTP, no page building, no template) — the query layer's own cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from cxjourney.analytics import rollups  # noqa: E402
from cxjourney.config import load_settings  # noqa: E402
from cxjourney.dashboard.auth import COOKIE, sign_session  # noqa: E402
from cxjourney.dashboard.screenshots import serve_in_thread  # noqa: E402
from cxjourney.security.keys import add_user, create_key  # noqa: E402
from cxjourney.storage import connect  # noqa: E402
from cxjourney.workspace import Workspace  # noqa: E402


def build_demo(root: Path) -> Path:
    ws = root / "demo"
    cli = [sys.executable, "-m", "cxjourney.cli.main"]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    subprocess.run([*cli, "init", str(ws)], check=True, env=env, capture_output=True)
    subprocess.run([*cli, "demo", str(ws), "--force"], check=True, env=env, capture_output=True)
    return ws


def scaled_copy(src: Path, dst: Path, n_events: int) -> tuple[int, str]:
    """Copy the workspace and replicate its events (and persons) until the table holds >= n_events."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.wal"))
    settings = load_settings(dst)
    with connect(settings) as st:
        con = st.con
        base = int(con.execute("SELECT count(*) FROM events").fetchall()[0][0])
        cols = [r[0] for r in con.execute("DESCRIBE events").fetchall()]
        pcols = [r[0] for r in con.execute("DESCRIBE persons").fetchall()]
        con.execute("CREATE TEMP TABLE ev0 AS SELECT * FROM events")
        con.execute("CREATE TEMP TABLE p0 AS SELECT * FROM persons")
        k = 1
        total = base
        while total < n_events:
            take = min(base, n_events - total)
            sel = ", ".join(
                f"seq + CAST({k} AS BIGINT) * 1000000000 AS seq" if c == "seq" else
                f"person_id || '~{k}' AS person_id" if c == "person_id" else
                f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || '~{k}' END AS {c}" if c in ("user_id", "anonymous_id", "message_id") else c
                for c in cols)
            con.execute(f"INSERT INTO events SELECT {sel} FROM (SELECT * FROM ev0 ORDER BY seq LIMIT {take})")
            psel = ", ".join(f"person_id || '~{k}' AS person_id" if c == "person_id" else
                             f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || '~{k}' END AS {c}" if c in ("user_id", "email") else c
                             for c in pcols)
            con.execute(f"INSERT INTO persons SELECT {psel} FROM p0 WHERE person_id IN "
                        f"(SELECT DISTINCT person_id FROM (SELECT person_id FROM ev0 ORDER BY seq LIMIT {take}))")
            total += take
            k += 1
        # The persons were copied with their spans: every event is covered (see cxjourney.ingest.persons).
        con.execute("INSERT OR REPLACE INTO meta SELECT 'persons_span_seq', max(seq)::VARCHAR FROM events")
        con.execute("CHECKPOINT")
        add_user(st, "bench", "admin", "bench-password-1")
        write_key = create_key(st, "write", name="bench")
        # A served workspace keeps its analytics rollups (the demo and imports build them): build them here too,
        # timed on their own, so that 'cold' is a first page load, not a first build.
        t0 = time.perf_counter()
        rollups.refresh(st, settings, Workspace(settings).journeys(), full=True)
        print(f"  rollups of {dst.name} built in {time.perf_counter() - t0:.1f} s", flush=True)
        return int(con.execute("SELECT count(*) FROM events").fetchall()[0][0]), write_key


def median_ms(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


def measure(ws: Path, repeat: int, slow_repeat: int, write_key: str, db_memory_mb: int | None = None) -> dict[str, float]:
    import cxjourney.query  # noqa: F401  (registers every query)
    from cxjourney.dashboard import data
    from cxjourney.dashboard.filters import Filters
    from cxjourney.dashboard.pages import overview
    from cxjourney.query import run_query
    from cxjourney.query.registry import QueryContext

    settings = load_settings(ws, **({"server_db_memory_mb": db_memory_mb} if db_memory_mb else {}))
    with serve_in_thread(settings) as srv:
        cookie = sign_session(settings.secret_key, "bench")
        with httpx.Client(base_url=srv.url, cookies={COOKIE: cookie}, timeout=600) as c:
            def get() -> None:
                r = c.get("/dashboard/")
                r.raise_for_status()

            t0 = time.perf_counter()
            get()
            cold = (time.perf_counter() - t0) * 1000
            warm = median_ms(get, repeat)
            cache = srv.app.state.dashboard_cache

            def recomputed() -> None:
                cache.clear()
                get()

            rec = median_ms(recomputed, slow_repeat)

            get()  # cached again
            sent = [0]

            def events_now() -> int:
                return int(c.get("/dashboard/overview.json").json()["store"]["events"])

            last = str(c.get("/dashboard/overview.json").json()["store"]["last_event"])[:19].replace(" ", "T") + "Z"

            def post_events() -> None:
                batch = [{"type": "track", "userId": f"bench-{sent[0]}", "event": "Product Viewed",
                          "messageId": f"bench-new-{sent[0]}-{i}", "timestamp": last}
                         for i in range(3)]
                sent[0] += 1
                r = httpx.post(srv.url + "/v1/batch", json={"batch": batch}, auth=(write_key, ""), timeout=600)
                r.raise_for_status()

            after: list[float] = []
            for _ in range(slow_repeat):
                before = events_now()
                post_events()
                t0 = time.perf_counter()
                get()
                after.append((time.perf_counter() - t0) * 1000)
                shown = events_now()
                if shown != before + 3:
                    raise SystemExit(f"after new data the page shows {shown} events, expected {before + 3}")
            new_data = statistics.median(after)

        # Baseline: the overview's own queries through run_query, same process, same store.
        st = srv.app.state
        calls: list[tuple[str, dict]] = []
        orig = data._run

        def record(ctx, name, params, ignored):
            calls.append((name, dict(params)))
            return orig(ctx, name, params, ignored)

        data._run = record
        try:
            ctx = QueryContext(store=st.store, settings=st.settings, now=datetime.now(UTC).replace(tzinfo=None),
                               workspace=st.workspace, role="admin")
            overview.build(ctx, Filters(), lambda s: s, {"lang": "en"})
        finally:
            data._run = orig
        unique = list({(n, repr(sorted(p.items()))): (n, p) for n, p in calls}.values())

        def direct() -> None:
            for name, params in unique:
                try:
                    run_query(ctx, name, params)
                except Exception:  # noqa: BLE001  (a query refusing for lack of data still costs its time)
                    pass

        base = median_ms(direct, slow_repeat)
    return {"cold": cold, "warm": warm, "recomputed": rec, "new_data": new_data, "baseline": base, "queries": len(unique)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", type=Path, help="A demo workspace (built in a temp dir when absent).")
    ap.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=5, help="Requests for the warm median.")
    ap.add_argument("--slow-repeat", type=int, default=3, help="Runs for the recomputed and baseline medians.")
    ap.add_argument("--db-memory-mb", type=int, help="The server's DuckDB memory limit (setting server_db_memory_mb) "
                    "for this run (default: the workspace's setting).")
    args = ap.parse_args()
    targets = {1_000_000: 300.0, 10_000_000: 1000.0}
    with tempfile.TemporaryDirectory(prefix="cxj-bench-dash-") as tmp:
        src = args.workspace or build_demo(Path(tmp))
        print(f"{'events':>11} {'cold':>9} {'warm':>9} {'recomputed':>11} {'new data':>9} {'baseline':>9} {'warm/base':>9} "
              f"{'recomp/base':>11} {'target':>7}  ok")
        for n in args.events:
            ws = Path(tmp) / f"ws-{n}"
            t0 = time.perf_counter()
            held, write_key = scaled_copy(src, ws, n)
            prep = time.perf_counter() - t0
            m = measure(ws, args.repeat, args.slow_repeat, write_key, args.db_memory_mb)
            target = targets.get(n, 300.0 if n <= 1_000_000 else 1000.0)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{held:>11,} {m['cold']:>7.0f}ms {m['warm']:>7.1f}ms {m['recomputed']:>9.0f}ms {m['new_data']:>7.0f}ms "
                  f"{m['baseline']:>7.0f}ms {m['warm'] / m['baseline']:>9.3f} {m['recomputed'] / m['baseline']:>11.2f} "
                  f"{target:>5.0f}ms  {'yes' if m['warm'] <= target else 'NO'} (warm)   "
                  f"[{m['queries']} distinct queries; data prepared in {prep:.0f}s; load average {load}]", flush=True)
            shutil.rmtree(ws, ignore_errors=True)


if __name__ == "__main__":
    main()
