"""Journey analytics speed on generated demo events, with two baselines measured in the same run.

Run: python benchmarks/bench_analytics.py [--events 10000000] [--repeat 3] [--no-pandas] [--scale K]

Builds (once, cached under --dir) a demo workspace of --events generated events, then, warm (one run
first), the median time of:
  - journey overview (the ``journey_overview`` query), a 5-step funnel (``funnel``, window 30d, drop-off
    report off) and the top 20 paths (``paths``), through ``run_query`` exactly as the API and CLI run them;
  - baseline 1: a hand-written DuckDB SQL query giving the same core numbers (funnel step counts; variant
    counts, total and number of variants; stage/touchpoint reach and stage-to-stage progress);
  - baseline 2: a straightforward pandas implementation of the same numbers on the events already in memory.
The figures are checked equal before timing. cxjourney answers from its per-person rollups (brought up to date
first; the time of that refresh is printed); the column "no rollups" is the same query computed from the events
(one run). ``--incremental N`` (default 10,000) appends N events to a copy of the store and times the refresh. ``--scale K`` then copies the events K times (distinct
persons) into a second workspace and reports time and peak memory of the same three queries (the 100M test).
Issue targets on 10M events: overview <= 1 s, funnel <= 1 s, paths <= 2 s; <= 1.5x SQL; >= 10x faster than pandas.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cxjourney.analytics import rollups  # noqa: E402
from cxjourney.config import load_settings  # noqa: E402
from cxjourney.query import QueryContext, run_query  # noqa: E402
from cxjourney.storage import connect  # noqa: E402
from cxjourney.workspace import Workspace, init_workspace  # noqa: E402

STEPS = ["Ad Impression", "Product Viewed", "Product Added", "Checkout Started", "Order Completed"]
WINDOW_S = 30 * 86400
NOW = datetime(2026, 11, 23)


def timed(fn: Any, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def build(directory: Path, events: int) -> Path:
    ws = directory / f"demo-{events}"
    if (ws / ".bench-built").exists():
        return ws
    from cxjourney.demo.generate import generate

    settings = init_workspace(ws)
    t0 = time.perf_counter()
    with connect(settings) as store:
        generate(store, events=events, force=True)
    (ws / ".bench-built").write_text("ok")
    print(f"built {ws} with {events:,} target events in {time.perf_counter() - t0:.0f} s")
    return ws


# -- hand-written SQL (baseline 1) ---------------------------------------------------------------------
def sql_funnel(con: Any) -> list[int]:
    marks = ", ".join(f"event = '{s}' AS m{i}" for i, s in enumerate(STEPS))
    q = [f"""WITH t AS (SELECT person_id, timestamp, seq, epoch(timestamp) AS s, {marks},
                 row_number() OVER (PARTITION BY person_id ORDER BY timestamp, seq) AS rn
               FROM events WHERE event IN ({", ".join(f"'{s}'" for s in STEPS)})),
         l1 AS (SELECT person_id, min(rn) AS r, min(s) AS s1 FROM t WHERE m0 GROUP BY person_id)"""]
    for i in range(1, len(STEPS)):
        q.append(f""", l{i + 1} AS (SELECT t.person_id, min(t.rn) AS r, any_value(l.s1) AS s1 FROM l{i} l JOIN t
                  ON t.person_id = l.person_id AND t.m{i} AND t.rn > l.r AND t.s - l.s1 <= {WINDOW_S} GROUP BY t.person_id)""")
    q.append(" SELECT " + ", ".join(f"(SELECT count(*) FROM l{i + 1})" for i in range(len(STEPS))))
    return list(con.execute("".join(q)).fetchall()[0])


SQL_PATHS = """WITH p AS (SELECT person_id, string_agg(coalesce(event, name, path, type), ' > ' ORDER BY timestamp, seq) AS path
                 FROM events GROUP BY person_id),
    c AS (SELECT path, count(*) AS n FROM p GROUP BY path)
SELECT (SELECT sum(n) FROM c), (SELECT count(*) FROM c), list(struct_pack(path := path, n := n) ORDER BY n DESC, path)[1:20]
FROM (SELECT * FROM c ORDER BY n DESC, path LIMIT 20)"""


def sql_paths(con: Any) -> tuple[int, int, list[tuple[str, int]]]:
    total, nvar, top = con.execute(SQL_PATHS).fetchall()[0]
    return int(total), int(nvar), [(r["path"], int(r["n"])) for r in top]


def _in(col: str, val: Any) -> str:
    vals = [val] if isinstance(val, str) else list(val)
    return f"{col} IN ({', '.join(repr(x) for x in vals)})"


def sql_overview(con: Any, journey: Any) -> dict[str, int]:
    """Reach per touchpoint and stage progress, with the journey's matchers written out as CASE by hand."""
    order = [s.id for s in journey.stages]
    cases = []
    for st, tp in journey.touchpoints():
        m = tp.match
        if m.url is not None or any(isinstance(v, dict) for v in m.properties.values()):
            raise SystemExit("this baseline covers type/event/name/path/channel and property-equality matchers only")
        conds = [_in(c, v) for c, v in (("type", m.type), ("event", m.event), ("name", m.name), ("channel", m.channel)) if v is not None]
        conds += [_in(f"json_extract_string(properties, '$.{k}')", [str(x) for x in (v if isinstance(v, list) else [v])])
                  for k, v in m.properties.items()]
        if m.path is not None:
            conds.append(f"regexp_matches(path, {m.path!r})")
        cases.append((f"coalesce({' AND '.join(conds) or 'TRUE'}, FALSE)", tp.id, order.index(st.id)))
    tp_case = "CASE " + " ".join(f"WHEN {c} THEN '{tp}'" for c, tp, _ in cases) + " END"
    st_case = "CASE " + " ".join(f"WHEN {c} THEN {i}" for c, _, i in cases) + " END"
    k = len(order)
    aggs = ", ".join(f"min(rn) FILTER (WHERE si = {i}) AS f{i}, max(rn) FILTER (WHERE si = {i}) AS l{i}" for i in range(k))
    outs = ", ".join([f"n{i} := count(f{i})" for i in range(k)] +
                     [f"next{i} := count(*) FILTER (WHERE f{i} IS NOT NULL AND l{i + 1} > f{i})" for i in range(k - 1)])
    q = f"""WITH a AS (SELECT person_id, timestamp, seq, {tp_case} AS tp, {st_case} AS si FROM events),
      b AS (SELECT person_id, tp, si, row_number() OVER (PARTITION BY person_id ORDER BY timestamp, seq) AS rn
            FROM a WHERE tp IS NOT NULL),
      per AS (SELECT person_id, {aggs} FROM b GROUP BY person_id),
      reach AS (SELECT tp, count(DISTINCT person_id) AS r FROM b GROUP BY tp)
    SELECT (SELECT struct_pack({outs}) FROM per), (SELECT list(struct_pack(tp := tp, r := r)) FROM reach)"""
    prog, reach = con.execute(q).fetchall()[0]
    out = {f"reach:{x['tp']}": int(x["r"]) for x in reach}
    out.update({kk: int(v) for kk, v in prog.items()})
    return out


# -- straightforward pandas (baseline 2) -------------------------------------------------------------------
def pandas_funnel(df: Any) -> list[int]:
    d = df[df.event.isin(STEPS)].sort_values(["person_id", "timestamp", "seq"])
    reached = [0] * len(STEPS)
    for _, g in d.groupby("person_id", sort=False):
        ev, ts = list(g.event), list(g.timestamp)
        if STEPS[0] not in ev:
            continue
        pos = ev.index(STEPS[0])
        t0 = ts[pos]
        reached[0] += 1
        for k in range(1, len(STEPS)):
            nxt = next((j for j in range(pos + 1, len(ev)) if ev[j] == STEPS[k] and (ts[j] - t0).total_seconds() <= WINDOW_S), None)
            if nxt is None:
                break
            reached[k] += 1
            pos = nxt
    return reached


def pandas_paths(df: Any) -> tuple[int, int, list[tuple[str, int]]]:
    d = df.sort_values(["person_id", "timestamp", "seq"])
    lab = d.event.fillna(d.name).fillna(d.path).fillna(d.type)
    paths = lab.groupby(d.person_id, sort=False).agg(" > ".join)
    counts = paths.value_counts()
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    return int(counts.sum()), len(counts), [(p, int(n)) for p, n in top]


def pandas_overview(df: Any, journey: Any) -> dict[str, int]:
    import numpy as np

    d = df.sort_values(["person_id", "timestamp", "seq"]).copy()
    tp = np.full(len(d), None, dtype=object)
    si = np.full(len(d), -1)
    order = [s.id for s in journey.stages]
    for st, t in reversed(list(journey.touchpoints())):  # first match in journey order wins
        m = t.match
        mask = np.ones(len(d), dtype=bool)
        for col, val in (("type", m.type), ("event", m.event), ("name", m.name), ("channel", m.channel)):
            if val is not None:
                mask &= d[col].isin([val] if isinstance(val, str) else val).to_numpy()
        if m.path is not None:
            mask &= d["path"].str.contains(m.path, regex=True, na=False).to_numpy()
        for key, val in m.properties.items():
            vals = {str(x) for x in (val if isinstance(val, list) else [val])}
            idx = np.flatnonzero(mask)
            props = [json.loads(x) if isinstance(x, str) else {} for x in d["properties"].to_numpy()[idx]]
            mask[idx] = [str(pr.get(key)) in vals for pr in props]
        tp[mask] = t.id
        si[mask] = order.index(st.id)
    d["tp"], d["si"] = tp, si
    d = d[d.tp.notna()].copy()
    d["rn"] = d.groupby("person_id").cumcount() + 1
    out = {f"reach:{k}": int(v) for k, v in d.groupby("tp").person_id.nunique().items()}
    first = d.pivot_table(index="person_id", columns="si", values="rn", aggfunc="min")
    last = d.pivot_table(index="person_id", columns="si", values="rn", aggfunc="max")
    k = len(order)
    for i in range(k):
        f = first[i] if i in first else None
        out[f"n{i}"] = int(f.notna().sum()) if f is not None else 0
        if i + 1 < k:
            out[f"next{i}"] = int(((last[i + 1] > f) & f.notna()).sum()) if f is not None and i + 1 in last else 0
    return out


def rollups_state(settings: Any) -> str:
    with connect(settings, read_only=True) as st:
        state = rollups.state(st)
    return f"{state['seconds']:.1f} s" if state else "?"


def incremental(directory: Path, ws: Path, settings: Any, n: int) -> None:
    """Copy the store, append ``n`` events of existing persons (copies of their latest events, one second
    later, new seq and message ids), and time the incremental refresh, then a query right after it."""
    import shutil

    copy = directory / f"{ws.name}-incremental"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ws, copy)
    try:
        s2 = load_settings(copy)
        with connect(s2) as st:
            st.con.execute(f"""INSERT INTO events SELECT * REPLACE (seq + (SELECT max(seq) FROM events) AS seq,
                message_id || '-again' AS message_id, timestamp + INTERVAL 1 SECOND AS timestamp)
                FROM events USING SAMPLE {n} ROWS (reservoir, 7)""")
            t0 = time.perf_counter()
            rep = rollups.refresh(st, s2, Workspace(s2).journeys())
            t_ref = time.perf_counter() - t0
            ctx = QueryContext(st, s2, NOW, Workspace(s2))
            t0 = time.perf_counter()
            run_query(ctx, "journey_overview", {})
            t_q = time.perf_counter() - t0
        print(f"incremental: {n:,} new events of {rep.touched:,} persons -> {rep.mode} refresh {t_ref:.2f} s, "
              f"then the journey overview {t_q:.2f} s")
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/cxj-bench"))
    ap.add_argument("--no-pandas", action="store_true", help="Skip the pandas baseline (it needs the events in memory).")
    ap.add_argument("--scale", type=int, default=0, help="Also copy the events this many times and time the queries there.")
    ap.add_argument("--incremental", type=int, default=10_000,
                    help="On a copy of the store, append this many new events of existing persons and time the rollup "
                         "refresh (0: skip).")
    args = ap.parse_args()

    ws = build(args.dir, args.events)
    settings = load_settings(ws)
    with connect(settings) as rw:  # bring the rollups up to date (a full build the first time)
        rep = rollups.refresh(rw, settings, Workspace(settings).journeys())
    print(f"rollups: {rep.mode} refresh in {rep.seconds:.1f} s ({rep.touched:,} persons)"
          + (f"; stored build time {rollups_state(settings)}" if rep.mode == "none" else ""))
    store = connect(settings, read_only=True)
    ctx = QueryContext(store, settings, NOW, Workspace(settings))
    slow_ctx = QueryContext(store, settings, NOW, Workspace(settings), rollups=False)
    journey = ctx.workspace.journey(None)
    con = store.con
    n_events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    persons = con.execute("SELECT count(DISTINCT person_id) FROM events").fetchall()[0][0]
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    print(f"{n_events:,} events, {persons:,} persons; DuckDB threads {threads}")

    queries = {
        "journey overview": (lambda: run_query(ctx, "journey_overview", {}), lambda: sql_overview(con, journey), pandas_overview),
        "5-step funnel": (lambda: run_query(ctx, "funnel", {"steps": STEPS, "window": "30d", "dropoff": False}),
                          lambda: sql_funnel(con), pandas_funnel),
        "top 20 paths": (lambda: run_query(ctx, "paths", {"top": 20}), lambda: sql_paths(con), pandas_paths),
    }
    # Same numbers first.
    f = run_query(ctx, "funnel", {"steps": STEPS, "window": "30d", "dropoff": False})
    assert [r["reached"] for r in f.rows] == sql_funnel(con), "funnel differs from SQL"
    p = run_query(ctx, "paths", {"top": 20})
    total, nvar, top = sql_paths(con)
    assert (p.meta["total"], p.meta["n_variants"]) == (total, nvar), "paths differ from SQL"
    assert [(" > ".join(r["path"]), r["count"]) for r in p.rows[:20]] == top, "top paths differ from SQL"
    o = run_query(ctx, "journey_overview", {})
    got = {f"reach:{r['touchpoint']}": r["value"] for r in o.rows if r["metric"] == "reach" and r["touchpoint"]}
    ref = sql_overview(con, journey)
    assert all(ref[k] == v for k, v in got.items()), "overview reach differs from SQL"

    df = None
    if not args.no_pandas:
        df = con.execute("SELECT person_id, timestamp, seq, type, event, name, path, channel, CAST(properties AS VARCHAR) AS properties FROM events").df()
        assert pandas_funnel(df) == [r["reached"] for r in f.rows], "pandas funnel differs"
    print(f"{'measure':<18} {'cxjourney':>10} {'SQL':>8} {'ratio':>6} {'pandas':>9} {'speed-up':>9} {'no rollups':>11}  target")
    targets = {"journey overview": 1.0, "5-step funnel": 1.0, "top 20 paths": 2.0}
    plain = {"journey overview": ("journey_overview", {}),
             "5-step funnel": ("funnel", {"steps": STEPS, "window": "30d", "dropoff": False}),
             "top 20 paths": ("paths", {"top": 20})}
    for name, (ours, sql, pdf) in queries.items():
        t_ours = timed(ours, args.repeat)
        t_sql = timed(sql, args.repeat)
        if df is not None:
            fn = (lambda pdf=pdf: pdf(df, journey)) if name == "journey overview" else (lambda pdf=pdf: pdf(df))
            t0 = time.perf_counter()
            fn()  # pandas: one run (it is the slow side)
            t_pd = time.perf_counter() - t0
            pd_txt, speed = f"{t_pd:8.2f}s", f"{t_pd / t_ours:8.1f}x"
        else:
            pd_txt, speed = f"{'-':>9}", f"{'-':>9}"
        qname, qparams = plain[name]
        t0 = time.perf_counter()
        run_query(slow_ctx, qname, qparams)  # the same query computed from the events (one run)
        t_raw = time.perf_counter() - t0
        print(f"{name:<18} {t_ours:9.2f}s {t_sql:7.2f}s {t_ours / t_sql:5.2f}x {pd_txt} {speed} {t_raw:10.2f}s  "
              f"<= {targets[name]:.0f} s, <= 1.5x SQL, >= 10x pandas")
    store.close()
    print(f"peak RSS {peak_rss_gib():.2f} GiB")
    if args.incremental:
        incremental(args.dir, ws, settings, args.incremental)
    print(f"peak RSS {peak_rss_gib():.2f} GiB")

    if args.scale:
        big = args.dir / f"demo-{args.events}-x{args.scale}"
        if not (big / ".bench-built").exists():
            s2 = init_workspace(big)
            with connect(s2) as st2:
                st2.con.execute(f"ATTACH '{settings.database_path}' AS src (READ_ONLY)")
                cols = [c[0] for c in st2.con.execute("DESCRIBE src.events").fetchall()]
                def sel(i: int) -> str:
                    return ", ".join(f"person_id || '-' || {i} AS person_id" if c == "person_id" else
                                     f"seq + {i} * (SELECT max(seq) FROM src.events) AS seq" if c == "seq" else
                                     f"message_id || '-' || {i} AS message_id" if c == "message_id" else c for c in cols)

                t0 = time.perf_counter()
                for i in range(args.scale):
                    st2.con.execute(f"INSERT INTO events ({', '.join(cols)}) SELECT {sel(i)} FROM src.events")
                print(f"copied x{args.scale} in {time.perf_counter() - t0:.0f} s")
            (big / ".bench-built").write_text("ok")
        s2 = load_settings(big)
        with connect(s2) as rw:
            t0 = time.perf_counter()
            rep = rollups.refresh(rw, s2, Workspace(s2).journeys())
            print(f"rollups of the scaled store: {rep.mode} refresh in {time.perf_counter() - t0:.0f} s, "
                  f"peak RSS so far {peak_rss_gib():.2f} GiB")
        st2 = connect(s2, read_only=True)
        ctx2 = QueryContext(st2, s2, NOW, Workspace(s2))
        n2 = st2.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        for name, (q, params) in {"journey overview": ("journey_overview", {}),
                                  "5-step funnel": ("funnel", {"steps": STEPS, "window": "30d", "dropoff": False}),
                                  "top 20 paths": ("paths", {"top": 20})}.items():
            t0 = time.perf_counter()
            run_query(ctx2, q, params)
            print(f"{n2:,} events: {name} {time.perf_counter() - t0:.2f} s (first run), peak RSS so far {peak_rss_gib():.2f} GiB")
        st2.close()


if __name__ == "__main__":
    main()
