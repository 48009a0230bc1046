"""Store survey responses: rows in ``responses`` plus a 'Survey Responded' event per response, so every
answer joins the respondent's journey. Re-sending the same (response_id, question_id) stores nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from cxjourney.ingest.normalize import Rejection, normalize

RESPONSE_COLUMNS = ["response_id", "question_id", "survey_id", "kind", "score", "answer", "comment", "person_id",
                    "touchpoint", "journey", "stage", "channel", "language", "timestamp", "received_at", "source"]


def store_responses(store: Any, writer: Any, answers: list[dict[str, Any]], *, received_at: datetime, source: str) -> tuple[int, int]:
    """``answers``: dicts with response_id, question_id, survey_id, kind, score, comment, user_id (or
    anonymous_id), touchpoint, journey, stage, channel, language, timestamp. Returns (stored, duplicates)."""
    if not answers:
        return 0, 0
    with store.lock:
        existing = set(store.con.execute(
            "SELECT response_id, question_id FROM responses WHERE response_id IN (SELECT unnest(?))",
            [sorted({a["response_id"] for a in answers})],
        ).fetchall())
    fresh = [a for a in answers if (a["response_id"], a["question_id"]) not in existing]
    dups = len(answers) - len(fresh)
    seen: set[tuple[str, str]] = set()
    uniq = []
    for a in fresh:
        k = (a["response_id"], a["question_id"])
        if k in seen:
            dups += 1
            continue
        seen.add(k)
        uniq.append(a)
    if not uniq:
        return 0, dups
    # One 'Survey Responded' event per response (its first answered question carries the ids).
    events = []
    by_resp: dict[str, dict[str, Any]] = {}
    for a in uniq:
        by_resp.setdefault(a["response_id"], a)
    for rid, a in by_resp.items():
        msg = {
            "type": "track", "event": "Survey Responded", "messageId": f"resp-{rid}",
            "userId": a.get("user_id"), "anonymousId": a.get("anonymous_id"), "timestamp": a["timestamp"].isoformat(),
            "properties": {"survey_id": a["survey_id"], "response_id": rid, "touchpoint": a.get("touchpoint"),
                           "channel": a.get("channel")},
        }
        r = normalize(msg, 0, received_at=received_at, source=source, max_bytes=10**9)
        if not isinstance(r, Rejection):
            events.append(r)
    writer.write(events)
    person_of = {r["properties"]["response_id"]: r["person_id"] for r in events}
    cols: dict[str, list[Any]] = {c: [] for c in RESPONSE_COLUMNS}
    for a in uniq:
        row = {**a, "person_id": person_of.get(a["response_id"], a.get("user_id") or a.get("anonymous_id")),
               "received_at": received_at, "source": source, "answer": a.get("answer")}
        for c in RESPONSE_COLUMNS:
            cols[c].append(row.get(c))
    tbl = pa.table(cols, schema=pa.schema([
        ("response_id", pa.string()), ("question_id", pa.string()), ("survey_id", pa.string()), ("kind", pa.string()),
        ("score", pa.float64()), ("answer", pa.string()), ("comment", pa.string()), ("person_id", pa.string()),
        ("touchpoint", pa.string()), ("journey", pa.string()), ("stage", pa.string()), ("channel", pa.string()),
        ("language", pa.string()), ("timestamp", pa.timestamp("us")), ("received_at", pa.timestamp("us")), ("source", pa.string()),
    ]))
    with store.lock:
        store.con.register("_cxj_resp", tbl)
        try:
            store.con.execute("INSERT OR IGNORE INTO responses SELECT * FROM _cxj_resp")
        finally:
            store.con.unregister("_cxj_resp")
    return len(uniq), dups
