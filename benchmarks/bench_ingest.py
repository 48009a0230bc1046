"""Sustained ingestion through the Segment batch endpoint, beside a raw DuckDB insert of the same events.

    python benchmarks/bench_ingest.py [--seconds 20] [--connections 8] [--batch 250]

What it does, all in one run on loopback:
1. Creates a fresh workspace and a write key, then starts the real server as a subprocess
   (``python -m cxjourney.cli.main serve``), exactly as a user would.
2. A separate load-generator process posts pre-built ``/v1/batch`` bodies (``--batch`` events each, like the
   Segment SDKs' batches) over ``--connections`` keep-alive HTTP connections for ``--seconds``. Only events the
   server acknowledged (HTTP 200, counted from the answer's ``accepted``) count: the server answers only after
   the events are committed, so this is the committed-events rate.
3. Reads the peak resident memory of the server and its parsing workers: sampled together every 0.1 s, and each
   process's own peak (``VmHWM`` from /proc) added up (an upper bound, the figure checked against the limit).
4. Checks that the store holds exactly the acknowledged events.
5. Baseline: inserts the same events (same batch size, one transaction per batch) straight into a fresh DuckDB
   ``events`` table through Arrow, with no HTTP, validation or identity work, and prints the ratio.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

EVENTS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Email Opened", "Ad Clicked"]


def make_event(i: int, run: str) -> dict:
    """A realistic SDK-shaped event (~600 bytes): ids, properties, context with page and campaign."""
    user = i % 5000
    kind = i % 10
    ev: dict = {
        "messageId": f"{run}-{i}",
        "timestamp": f"2026-11-20T10:{(i // 60) % 60:02d}:{i % 60:02d}.123Z",
        "anonymousId": f"anon-{user}",
        "context": {
            "library": {"name": "analytics.js", "version": "4.1.0"},
            "page": {"url": f"https://shop.example/p/{i % 300}?utm_campaign=autumn", "path": f"/p/{i % 300}",
                     "referrer": "https://www.google.com/"},
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36",
            "campaign": {"name": "autumn", "medium": "cpc", "source": "google"},
            "ip": "203.0.113.7",
        },
    }
    if kind < 4:
        ev.update(type="page", name="Product", properties={"title": "Product page", "category": "shoes"})
    elif kind == 9:
        ev.update(type="identify", userId=f"user-{user}", traits={"email": f"u{user}@example.com", "plan": "free"})
    else:
        ev.update(type="track", event=EVENTS[kind % len(EVENTS)],
                  properties={"product_id": f"sku-{i % 800}", "price": 19.99, "revenue": 19.99 if kind == 7 else None,
                              "currency": "EUR"})
        if kind >= 7:
            ev["userId"] = f"user-{user}"
    return ev


def build_bodies(n_batches: int, batch: int, run: str) -> list[tuple[bytes, int]]:
    out = []
    for b in range(n_batches):
        evs = [make_event(b * batch + j, run) for j in range(batch)]
        out.append((orjson.dumps({"batch": evs, "sentAt": "2026-11-20T10:59:59.000Z"}), batch))
    return out


def _load_worker(port: int, key: str, bodies: list[tuple[bytes, int]], conns: int, seconds: float, out: mp.Queue) -> None:
    """The load generator (its own process): ``conns`` threads, each one keep-alive connection."""
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    headers = {"Content-Type": "application/json", "Authorization": auth}
    lock = threading.Lock()
    state = {"next": 0, "acked": 0, "requests": 0, "errors": 0, "latencies": []}
    stop_at = time.monotonic() + seconds

    def run() -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop_at:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(bodies):
                break
            body, _n = bodies[i]
            t0 = time.monotonic()
            try:
                c.request("POST", "/v1/batch", body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    state["errors"] += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            dt = time.monotonic() - t0
            with lock:
                state["requests"] += 1
                state["latencies"].append(dt)
                if r.status == 200:
                    state["acked"] += orjson.loads(data)["accepted"]
                else:
                    state["errors"] += 1
        c.close()

    t0 = time.monotonic()
    c0 = time.process_time()
    threads = [threading.Thread(target=run) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat = sorted(state["latencies"]) or [0.0]
    out.put({"gen_cpu": time.process_time() - c0, "acked": state["acked"], "requests": state["requests"], "errors": state["errors"], "elapsed": elapsed,
             "p50_ms": lat[len(lat) // 2] * 1000, "p99_ms": lat[int(len(lat) * 0.99)] * 1000, "used": state["next"]})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[int]:
    """The server's worker processes (its direct children)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _tree_sampler(root: int, stop: threading.Event, out: dict) -> None:
    """Every 0.1 s: the server's worker processes (started by the first large batch), the peak of the summed
    resident memory of the server and its workers, and each process's CPU time so far."""
    while not stop.wait(0.1):
        try:
            pids = [root, *_children(root)]
            out["peak"] = max(out.get("peak", 0.0), sum(_rss_mb(p, "VmRSS") for p in pids))
            out["peak_pss"] = max(out.get("peak_pss", 0.0), sum(_pss_mb(p) for p in pids))
            for p in pids:
                out.setdefault("cpu", {})[p] = _cpu_s(p)
                out.setdefault("hwm", {})[p] = _rss_mb(p, "VmHWM")
        except (OSError, ValueError):
            pass


def _pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the libraries both processes map) divided among their users."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def event_tables(bodies: list[tuple[bytes, int]]) -> list:
    """The bodies' events as the writer inserts them (Arrow tables with ``seq`` and ``person_id``), parsed by the
    server's fast path; prepared outside any timed loop."""
    from datetime import datetime

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from cxjourney.ingest.fastpath import fast_batch

    now = datetime(2026, 11, 20, 11, 0)
    tables, seq = [], 1
    for body, _ in bodies:
        parsed = fast_batch(body, received_at=now, max_event_bytes=32 * 1024)
        assert parsed is not None, "the benchmark's events must all be valid"
        t = parsed[0].table
        t = t.append_column("seq", pa.array(np.arange(seq, seq + t.num_rows, dtype=np.int64)))
        tables.append(t.append_column("person_id", pc.coalesce(t["user_id"], t["anonymous_id"])))
        seq += t.num_rows
    return tables


def timed_inserts(con, tables: list) -> tuple[float, float]:
    """Each table in its own transaction, as the writer does (register, INSERT, COMMIT): seconds spent in the
    inserts and in the commits."""
    from cxjourney.ingest.batch import EVENT_COLUMNS

    t_insert = t_commit = 0.0
    for t in tables:
        a = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        con.register("_b", t)
        con.execute(f"INSERT INTO events SELECT {', '.join(EVENT_COLUMNS)} FROM _b")
        con.unregister("_b")
        b = time.perf_counter()
        con.execute("COMMIT")
        t_insert += b - a
        t_commit += time.perf_counter() - b
    return t_insert, t_commit


def raw_duckdb_rate(bodies: list[tuple[bytes, int]], workdir: Path) -> float:
    """Baseline: the same events, same batch size, one transaction per batch, straight into DuckDB via Arrow."""
    import duckdb

    from cxjourney.storage import migrate

    con = duckdb.connect(str(workdir / "raw.duckdb"))
    migrate(con)
    tables = event_tables(bodies)
    ins, com = timed_inserts(con, tables)
    con.close()
    return sum(t.num_rows for t in tables) / (ins + com)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--batch", type=int, default=250, help="events per /v1/batch request")
    ap.add_argument("--target", type=float, default=20_000)
    ap.add_argument("--profile", metavar="FILE", help="also record the server with py-spy (collapsed stacks) into FILE")
    ap.add_argument("--profile-gil", action="store_true", help="with --profile: sample only the thread holding the GIL")
    args = ap.parse_args()

    from cxjourney.config import load_settings
    from cxjourney.security.keys import create_key
    from cxjourney.storage import connect
    from cxjourney.workspace import init_workspace

    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="cxj-bench-"))
    ws = work / "ws"
    init_workspace(ws)
    with connect(load_settings(ws)) as st:
        key = create_key(st, "write", name="bench")

    run = uuid.uuid4().hex[:8]
    # Enough distinct batches for the whole run (no duplicates: every event must really be written).
    n_batches = int(args.seconds * 60_000 / args.batch) + 10
    t0 = time.perf_counter()
    bodies = build_bodies(n_batches, args.batch, run)
    avg_bytes = sum(len(b) for b, _ in bodies) / sum(n for _, n in bodies)
    print(f"prepared {n_batches} batches x {args.batch} events (~{avg_bytes:.0f} bytes/event) in {time.perf_counter() - t0:.1f}s")

    port = _free_port()
    server_log = work / "server.log"  # a file, not a pipe: a pipe nobody reads would block the server's logging
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    srv = subprocess.Popen([sys.executable, "-m", "cxjourney.cli.main", "serve", "-w", str(ws), "--port", str(port)],
                           env=env, stdout=subprocess.DEVNULL, stderr=server_log.open("wb"))
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or srv.poll() is not None:
                raise SystemExit(f"server did not start: {server_log.read_text(errors='replace')}")
            time.sleep(0.1)
        pids = [srv.pid, *_children(srv.pid)]
        rss_idle = sum(_rss_mb(p, "VmRSS") for p in pids)
        spy = None
        if args.profile:
            venv_spy = Path(sys.executable).parent / "py-spy"  # the venv's, also when its bin/ is not on PATH
            spy = subprocess.Popen([str(venv_spy) if venv_spy.exists() else "py-spy", "record", "-p", str(srv.pid), "-f", "raw", "-o", args.profile,
                                    "-d", str(int(args.seconds)), "--nonblocking", *(["--gil"] if args.profile_gil else [])],
                                   stdout=subprocess.DEVNULL)
        q: mp.Queue = mp.Queue()
        cpu0 = {p: _cpu_s(p) for p in pids}
        sampled: dict = {}
        stop = threading.Event()
        sampler = threading.Thread(target=_tree_sampler, args=(srv.pid, stop, sampled), daemon=True)
        sampler.start()
        gen = mp.get_context("fork").Process(target=_load_worker, args=(port, key, bodies, args.connections, args.seconds, q))
        gen.start()
        res = q.get()
        pids = [srv.pid, *_children(srv.pid)]
        # Workers started during the load count all their CPU (their start-up included).
        res["server_cpu"] = sum(_cpu_s(p) - cpu0.get(p, 0.0) for p in pids)
        gen.join()
        stop.set()
        sampler.join()
        peaks = [_rss_mb(p, "VmHWM") for p in pids]
        gone = [h for p, h in sampled.get("hwm", {}).items() if p not in pids]  # workers replaced during the run
        peak_rss = sum(peaks) + sum(gone)  # an upper bound: each process's own peak, added
        if spy is not None:
            spy.wait(timeout=120)
    finally:
        srv.terminate()
        srv.wait(timeout=60)

    with connect(load_settings(ws), read_only=True) as st:
        stored = st.con.execute("SELECT count(*) FROM events").fetchone()[0]

    rate = res["acked"] / res["elapsed"]
    used = bodies[: res["used"]]
    raw = raw_duckdb_rate(used, work)
    ok = "MET" if rate >= args.target else "MISSED"
    print(f"server (/v1/batch, {args.connections} connections, {args.batch} events/request, {res['elapsed']:.1f}s):")
    print(f"  acknowledged events : {res['acked']:,} in {res['requests']:,} requests ({res['errors']} errors); stored {stored:,}")
    print(f"  rate                : {rate:,.0f} events/s  (target {args.target:,.0f}: {ok})")
    n_workers = len(pids) - 1
    print(f"  server CPU          : {res['server_cpu'] / res['elapsed'] * 100:.0f}% of one core, server and its {n_workers} "
          f"parsing worker(s) (machine has {os.cpu_count()} cores)")
    us = res["server_cpu"] / max(res["acked"], 1) * 1e6
    print(f"  server CPU per event: {us:.1f} us (all threads and workers) -> {1e6 / us:,.0f} events/s per fully available core")
    print(f"  load generator CPU  : {res['gen_cpu'] / res['elapsed'] * 100:.0f}% of one core (same machine)")
    print(f"  latency per request : p50 {res['p50_ms']:.0f} ms, p99 {res['p99_ms']:.0f} ms")
    print(f"  server RSS          : server and workers together: idle {rss_idle:.0f} MB, peak {sampled.get('peak', 0):.0f} MB "
          f"(sampled every 0.1 s); each one's own peak added: {' + '.join(f'{p:.0f}' for p in peaks + gone)} = {peak_rss:.0f} MB "
          f"(limit 500 MB: {'OK' if peak_rss < 500 else 'OVER'}); proportional (shared libraries counted once): "
          f"peak {sampled.get('peak_pss', 0):.0f} MB")
    print(f"raw DuckDB insert of the same events (Arrow, {args.batch}/transaction): {raw:,.0f} events/s")
    print(f"ratio server / raw insert: {rate / raw:.2f}")
    print(f"machine load average (1 min) before / after: {load0:.1f} / {os.getloadavg()[0]:.1f} "
          f"(other processes share the {os.cpu_count()} cores; figures are only comparable at a similar load)")
    if stored != res["acked"]:
        print(f"WARNING: stored {stored} != acknowledged {res['acked']}")
    log_text = server_log.read_text(errors="replace")
    if "Traceback" in log_text or "ERROR" in log_text:
        print(f"WARNING: the server logged errors ({server_log}):\n{log_text[-3000:]}")


if __name__ == "__main__":
    main()
