"""Keeping ``persons`` in step with each commit of the writer (inside its transaction).

Every touched person widens ``first_seen``/``last_seen``; persons whose traits change (identify) or who
absorbed a merged-away person (alias, identify of an anonymous visitor) also get their traits and e-mail
rewritten: the merged-away persons' traits first, then the person's own, then the new ones (the latest wins).
All set-based (a few statements per commit, not per person); ``updated_at`` moves only when a row changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

_SPANS = pa.schema([("person_id", pa.string()), ("first_seen", pa.timestamp("us")), ("last_seen", pa.timestamp("us"))])
_FULL = pa.schema([("person_id", pa.string()), ("email", pa.string()), ("traits", pa.string()),
                   ("first_seen", pa.timestamp("us")), ("last_seen", pa.timestamp("us"))])


def upsert_persons(con: Any, touched: dict[str, tuple[datetime, datetime]],
                   traits_updates: list[tuple[str, dict[str, Any], datetime]], moved: dict[str, str]) -> None:
    """``touched``: person -> (earliest, latest) event time of this commit; ``traits_updates``: (person,
    traits, time) in arrival order; ``moved``: merged-away person -> the person it joined."""
    if not touched and not moved:
        return
    new_traits: dict[str, dict[str, Any]] = {}
    for pid, upd, _ in traits_updates:
        new_traits.setdefault(pid, {}).update(upd)
    heavy = set(new_traits) | set(moved.values())
    light = [pid for pid in touched if pid not in heavy]
    if light:
        _run(con, "_cxj_seen", pa.table([light, [touched[p][0] for p in light], [touched[p][1] for p in light]],
                                         schema=_SPANS),
             "INSERT INTO persons SELECT person_id, NULL, '{}'::JSON, first_seen, last_seen, now()::TIMESTAMP "
             "FROM _cxj_seen ON CONFLICT (person_id) DO UPDATE SET "
             "first_seen = least(persons.first_seen, excluded.first_seen), "
             "last_seen = greatest(persons.last_seen, excluded.last_seen), updated_at = excluded.updated_at "
             "WHERE excluded.first_seen < persons.first_seen OR excluded.last_seen > persons.last_seen "
             "OR persons.first_seen IS NULL OR persons.last_seen IS NULL")
    if not heavy:
        return
    existing = {
        r[0]: r
        for r in con.execute(
            "SELECT person_id, email, traits, first_seen, last_seen FROM persons WHERE person_id IN (SELECT unnest(?))",
            [sorted(heavy | set(moved))],
        ).fetchall()
    }
    folded: dict[str, list[tuple[Any, ...]]] = {}
    for old, new in moved.items():
        if old in existing:
            folded.setdefault(new, []).append(existing[old])
    rows = []
    for pid in sorted(heavy):
        parts = [*folded.get(pid, []), *([existing[pid]] if pid in existing else [])]
        traits: dict[str, Any] = {}
        email = None
        firsts = [p[3] for p in parts if p[3] is not None]
        lasts = [p[4] for p in parts if p[4] is not None]
        for p in parts:
            if p[2]:
                traits.update(orjson.loads(p[2]))
            email = p[1] or email
        if pid in new_traits:
            traits.update(new_traits[pid])
        if isinstance(traits.get("email"), str):
            email = traits["email"]
        if pid in touched:
            firsts.append(touched[pid][0])
            lasts.append(touched[pid][1])
        if not firsts:
            continue
        rows.append((pid, email, orjson.dumps(traits).decode(), min(firsts), max(lasts)))
    gone = sorted(set(moved) & set(existing))
    if gone:
        con.execute("DELETE FROM persons WHERE person_id IN (SELECT unnest(?))", [gone])
    if rows:
        # Each new row is complete (it includes the stored one): replace. (Measured: DELETE + INSERT costs half
        # of ON CONFLICT DO UPDATE of the JSON column.)
        con.register("_cxj_persons", pa.table([list(c) for c in zip(*rows, strict=True)], schema=_FULL))
        try:
            con.execute("DELETE FROM persons WHERE person_id IN (SELECT person_id FROM _cxj_persons)")
            con.execute("INSERT INTO persons SELECT person_id, email, traits::JSON, first_seen, last_seen, "
                        "now()::TIMESTAMP FROM _cxj_persons")
        finally:
            con.unregister("_cxj_persons")


def _run(con: Any, name: str, table: pa.Table, sql: str) -> None:
    con.register(name, table)
    try:
        con.execute(sql)
    finally:
        con.unregister(name)
