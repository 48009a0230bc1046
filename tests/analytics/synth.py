"""A small, deterministic event history for the analytics tests (people who convert and people who don't,
tied timestamps, several sessions and months), plus plain-Python reference computations."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

FLOW = ["Ad Impression", "Ad Clicked", "page:/", "Product Viewed", "Product Added", "Checkout Started", "Order Completed",
        "Review Submitted"]
START = datetime(2024, 1, 1)


def events(n_persons: int = 240, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for p in range(n_persons):
        pid = f"p{p:04d}"
        t = START + timedelta(days=rng.randrange(0, 120), seconds=rng.randrange(0, 86400))
        channel = rng.choice(["ads", "email", "web"])
        for _visit in range(rng.choice([1, 1, 2, 3, 5])):
            depth = rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 8])
            for step in FLOW[:depth]:
                ev = {"person_id": pid, "timestamp": t, "channel": channel, "type": "track", "event": step, "name": None,
                      "path": None, "revenue": None, "properties": {}}
                if step.startswith("page:"):
                    ev.update(type="page", event=None, name="Home", path=step[5:])
                if step == "Order Completed":
                    ev["revenue"] = float(rng.choice([19, 49, 99, 250]))
                    ev["properties"] = {"order_id": f"o{len(rows)}"}
                rows.append(ev)
                if rng.random() < 0.15:  # a browse page in between (and sometimes the same second: a tie)
                    t2 = t if rng.random() < 0.5 else t + timedelta(seconds=rng.randrange(1, 60))
                    rows.append({**ev, "type": "page", "event": None, "name": "Category", "path": "/c/shoes",
                                 "timestamp": t2, "revenue": None, "properties": {}})
                    t = t2
                t += timedelta(seconds=rng.choice([0, 5, 40, 200, 900, 2400]))
            if rng.random() < 0.2:
                rows.append({"person_id": pid, "timestamp": t, "channel": "support", "type": "track", "event": "Ticket Created",
                             "name": None, "path": None, "revenue": None, "properties": {}})
            t += timedelta(days=rng.choice([1, 3, 10, 25, 40, 70]), seconds=rng.randrange(0, 3600))
    df = pd.DataFrame(rows)
    df["seq"] = range(1, len(df) + 1)  # arrival order; ties in timestamp are broken by it
    return df


def load(store: Any, df: pd.DataFrame) -> None:
    """Insert into a migrated DuckDB store's events table."""
    d = df.copy()
    d["message_id"] = "m" + d["seq"].astype(str)
    d["user_id"] = d["person_id"]
    d["anonymous_id"] = None
    d["received_at"] = d["timestamp"]
    d["url"] = None
    d["referrer"] = None
    d["campaign"] = d["channel"].map({"ads": "spring", "email": "newsletter"})
    d["properties"] = d["properties"].map(json.dumps)
    d["context"] = "{}"
    d["source"] = "test"
    cols = ["seq", "message_id", "type", "event", "name", "user_id", "anonymous_id", "person_id", "timestamp", "received_at",
            "url", "path", "referrer", "channel", "campaign", "revenue", "properties", "context", "source"]
    con = store.con.cursor()
    con.register("_synth", d[cols])
    con.execute("INSERT INTO events SELECT * FROM _synth")
    con.unregister("_synth")
    con.execute("""INSERT INTO ad_costs VALUES
        ('2024-01-15', 'spring', 'ads', 120.0, 9000, 150, 'EUR', 'test'),
        ('2024-02-15', 'spring', 'ads', 80.0, 6000, 90, 'EUR', 'test'),
        ('2024-03-01', 'newsletter', 'email', 10.0, 1000, 30, 'EUR', 'test')""")
    rows: list[tuple[Any, ...]] = []
    rng = random.Random(3)
    for i in range(60):
        rows.append((f"r{i}", "nps", "relationship-nps", "nps", float(rng.randrange(0, 11)), None, None, f"p{i:04d}",
                     "nps_survey", "online-store", "advocacy", "email", "en", START + timedelta(days=i), START + timedelta(days=i), "test"))
    for i in range(40):
        rows.append((f"c{i}", "csat", "checkout-csat", "csat", float(rng.randrange(1, 6)), None, None, f"p{i:04d}",
                     "order", "online-store", "purchase", "web", "en", START + timedelta(days=i), START + timedelta(days=i), "test"))
    con.executemany("INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["person_id", "timestamp", "seq"], kind="stable")


def label(r: Any) -> str:
    for v in (r.event, r.name, r.path, r.type):
        if isinstance(v, str):
            return v
    return ""


def ref_variants(df: pd.DataFrame) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, g in ordered(df).groupby("person_id", sort=False):
        key = " > ".join(label(r) for r in g.itertuples())
        out[key] = out.get(key, 0) + 1
    return out


def ref_funnel(df: pd.DataFrame, steps: list[str], window_s: float) -> list[int]:
    """Loose order, first entry: persons reaching each step."""
    reached = [0] * len(steps)
    for _, g in ordered(df).groupby("person_id", sort=False):
        labels = [label(r) for r in g.itertuples()]
        times = list(g.timestamp)
        try:
            i0 = labels.index(steps[0])
        except ValueError:
            continue
        reached[0] += 1
        pos = i0
        for k in range(1, len(steps)):
            nxt = next((j for j in range(pos + 1, len(labels)) if labels[j] == steps[k]
                        and (times[j] - times[i0]).total_seconds() <= window_s), None)
            if nxt is None:
                break
            reached[k] += 1
            pos = nxt
    return reached


def ref_sessions(df: pd.DataFrame, timeout_s: float) -> dict[str, float]:
    n = bounces = pages = dur = 0.0
    from cxjourney.analytics.sessions import OFFSITE_EVENTS

    onsite = df[~df["event"].isin(OFFSITE_EVENTS)]
    for _, g in ordered(onsite).groupby("person_id", sort=False):
        prev = None
        cur: list[Any] = []
        groups = []
        for r in g.itertuples():
            if prev is not None and (r.timestamp - prev).total_seconds() > timeout_s:
                groups.append(cur)
                cur = []
            cur.append(r)
            prev = r.timestamp
        groups.append(cur)
        for s in groups:
            n += 1
            bounces += len(s) == 1
            pages += sum(1 for r in s if r.type == "page")
            dur += (s[-1].timestamp - s[0].timestamp).total_seconds()
    return {"sessions": n, "bounce_rate": bounces / n, "pages_per_session": pages / n, "time_on_site": dur / n}
