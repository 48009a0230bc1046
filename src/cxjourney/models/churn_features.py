"""Journey features for the churn classifier, built from a workspace's store as of each cutoff.

For a cutoff c, every person with at least one activity event (default 'Order Completed') at or before c
gets one row. Features use only what was known at c:

| feature | definition |
|---|---|
| `recency_days` | days from the last activity event to c |
| `tenure_days` | days from the first activity event to c |
| `activity_count` | activity events up to c |
| `revenue_total` | revenue of those events |
| `events_30d` | all events of the person in (c − 30 days, c] |
| `tickets_90d` | 'Ticket Created' events in (c − 90 days, c] |
| `nps_mean`, `csat_mean`, `ces_mean` | mean answered score of that kind up to c (missing if none) |
| `sentiment_mean` | mean comment sentiment (comment_analysis) of responses up to c (missing if none) |

Label ``churned`` = 1 when the person has no activity event in (c, c + window]. A cutoff is labelled only
when c + window is not after the last event in the store (``labelled`` column); later cutoffs are for scoring.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cxjourney.errors import InsufficientData

FEATURES = ["recency_days", "tenure_days", "activity_count", "revenue_total", "events_30d", "tickets_90d",
            "nps_mean", "csat_mean", "ces_mean", "sentiment_mean"]


def _activity(store: Any, activity_event: str) -> pd.DataFrame:
    ev = store.table("events")
    act = ev.filter((ev.type == "track") & (ev.event == activity_event))
    return act.select("person_id", "timestamp", revenue=act.revenue.fill_null(0.0)).to_pandas()


def churn_features(
    store: Any, *, cutoffs: list[dt.datetime], window_days: int, activity_event: str = "Order Completed",
) -> pd.DataFrame:
    act = _activity(store, activity_event)
    if act.empty:
        raise InsufficientData(f"no {activity_event!r} events in the workspace to define churn from")
    ev = store.table("events")
    last_event = pd.Timestamp(ev.timestamp.max().to_pandas())
    r = store.table("responses")
    resp = r.filter(r.person_id.notnull() & r.score.notnull() & r.kind.isin(["nps", "csat", "ces"])).select(
        "person_id", "kind", "score", "timestamp").to_pandas()
    ca = store.table("comment_analysis")
    sent = r.join(ca, [r.response_id == ca.response_id, r.question_id == ca.question_id]).filter(
        r.person_id.notnull() & ca.sentiment.notnull()).select(r.person_id, r.timestamp, ca.sentiment).to_pandas()
    frames = []
    for c in sorted(pd.Timestamp(x) for x in cutoffs):
        before = act[act["timestamp"] <= c]
        if before.empty:
            continue
        g = before.groupby("person_id")
        f = pd.DataFrame({
            "recency_days": (c - g["timestamp"].max()).dt.total_seconds() / 86400,
            "tenure_days": (c - g["timestamp"].min()).dt.total_seconds() / 86400,
            "activity_count": g.size().astype(float),
            "revenue_total": g["revenue"].sum(),
        })
        win = ev.filter((ev.timestamp > c - pd.Timedelta(days=30)) & (ev.timestamp <= c))
        e30 = win.group_by("person_id").aggregate(n=win.count()).to_pandas().set_index("person_id")["n"]
        tk = ev.filter((ev.event == "Ticket Created") & (ev.timestamp > c - pd.Timedelta(days=90)) & (ev.timestamp <= c))
        t90 = tk.group_by("person_id").aggregate(n=tk.count()).to_pandas().set_index("person_id")["n"]
        f["events_30d"] = e30.reindex(f.index).fillna(0).astype(float)
        f["tickets_90d"] = t90.reindex(f.index).fillna(0).astype(float)
        known = resp[resp["timestamp"] <= c]
        for kind in ("nps", "csat", "ces"):
            f[f"{kind}_mean"] = known[known["kind"] == kind].groupby("person_id")["score"].mean().reindex(f.index)
        f["sentiment_mean"] = sent[sent["timestamp"] <= c].groupby("person_id")["sentiment"].mean().reindex(f.index)
        after = act[(act["timestamp"] > c) & (act["timestamp"] <= c + pd.Timedelta(days=window_days))]
        f["churned"] = (~f.index.isin(after["person_id"].unique())).astype(int)
        f["labelled"] = c + pd.Timedelta(days=window_days) <= last_event
        f["cutoff"] = c
        frames.append(f.reset_index(names="person_id"))
    if not frames:
        raise InsufficientData("no customer had activity before the first cutoff")
    out = pd.concat(frames, ignore_index=True)
    out[FEATURES] = out[FEATURES].astype(float)
    return out


def default_cutoffs(store: Any, *, window_days: int, n_cutoffs: int, step_days: int) -> list[dt.datetime]:
    """``n_cutoffs`` labelled cutoffs ``step_days`` apart, the last one ``window_days`` before the last event."""
    ev = store.table("events")
    last = ev.timestamp.max().to_pandas()
    if last is None or pd.isna(last):
        raise InsufficientData("the workspace has no events")
    end = pd.Timestamp(last).normalize() - pd.Timedelta(days=window_days)
    return [(end - pd.Timedelta(days=step_days * k)).to_pydatetime() for k in range(n_cutoffs - 1, -1, -1)]


