"""Keeping ``persons`` in step with the events the writer commits.

Two parts, both set-based (a few statements, not one per person):

- **Traits and merges** (:func:`upsert_persons`, in the commit's own transaction): persons whose traits change
  (identify) or who absorbed a merged-away person (alias, identify of an anonymous visitor) get their traits
  and e-mail rewritten — the merged-away persons' traits first, then the person's own, then the new ones (the
  latest wins) — and the merged-away rows are folded in and deleted. A row whose e-mail and traits would not
  change is left alone (SDKs repeat the same identify on every page).
- **Activity spans** (:func:`apply_spans`): every person with events gets a row, and ``first_seen``/``last_seen``
  cover their events. Computed from the committed events with ``seq`` in a range, so the writer can apply
  them for many commits at once (one update per person, however many events it had) and a crash loses
  nothing: the highest ``seq`` covered is stored in ``meta`` (``persons_span_seq``) in the same transaction,
  and the next run carries on from there.

``updated_at`` moves only when a row changes.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

_FULL = pa.schema([("person_id", pa.string()), ("email", pa.string()), ("traits", pa.string()),
                   ("first_seen", pa.timestamp("us")), ("last_seen", pa.timestamp("us"))])


SPAN_KEY = "persons_span_seq"


TRAITS_CACHE_MAX = 20_000


def upsert_persons(con: Any, traits_updates: list[tuple[str, dict[str, Any]]], moved: dict[str, str],
                   cache: dict[str, dict[str, Any]] | None = None) -> None:
    """Traits and merges of one commit, inside its transaction. ``traits_updates``: (person, traits) in arrival
    order; ``moved``: merged-away person -> the person it joined. A row made here for a person without one has
    no span yet: :func:`apply_spans` sets it (in the same transaction, or before anything reads).

    ``cache``: the stored traits of persons seen lately (kept by the caller, the only writer of traits; cleared
    when a transaction rolls back or a person is erased): an identify that repeats known traits is then
    recognised without reading the row."""
    new_traits: dict[str, dict[str, Any]] = {}
    for pid, upd in traits_updates:
        new_traits.setdefault(pid, {}).update(upd)
    heavy = set(new_traits) | set(moved.values())
    if cache is not None:
        for old in moved:
            cache.pop(old, None)
        heavy = {pid for pid in heavy if pid in moved.values() or
                 (known := cache.get(pid)) is None or any(known.get(k, _MISSING) != v for k, v in new_traits[pid].items())}
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
        own = existing.get(pid)
        parts = [*folded.get(pid, []), *([own] if own is not None else [])]
        traits: dict[str, Any] = {}
        email = None
        for p in parts:
            if p[2]:
                traits.update(orjson.loads(p[2]))
            email = p[1] or email
        if pid in new_traits:
            traits.update(new_traits[pid])
        if isinstance(traits.get("email"), str):
            email = traits["email"]
        if own is not None and pid not in folded and email == own[1] and own[2] and traits == orjson.loads(own[2]):
            _remember(cache, pid, traits)
            continue  # nothing changes
        _remember(cache, pid, traits)
        firsts = [p[3] for p in parts if p[3] is not None]
        lasts = [p[4] for p in parts if p[4] is not None]
        rows.append((pid, email, orjson.dumps(traits).decode(), min(firsts, default=None), max(lasts, default=None)))
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


_MISSING = object()


def _remember(cache: dict[str, dict[str, Any]] | None, pid: str, traits: dict[str, Any]) -> None:
    if cache is None:
        return
    cache.pop(pid, None)
    cache[pid] = traits
    while len(cache) > TRAITS_CACHE_MAX:
        cache.pop(next(iter(cache)))


def stored_span_seq(con: Any) -> int | None:
    """The highest ``seq`` whose event is reflected in the persons' spans (None: not recorded)."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [SPAN_KEY]).fetchall()
    return int(row[0][0]) if row else None


def apply_spans(con: Any, after_seq: int, upto_seq: int) -> None:
    """Inside the caller's transaction: give every person with an event in ``(after_seq, upto_seq]`` a row and
    widen its ``first_seen``/``last_seen`` to cover those events; record ``upto_seq``."""
    if upto_seq > after_seq:
        con.execute("CREATE OR REPLACE TEMP TABLE _cxj_span AS SELECT person_id, min(timestamp) AS f, max(timestamp) AS l "
                    "FROM events WHERE seq > ? AND seq <= ? GROUP BY person_id", [after_seq, upto_seq])
        con.execute(
            "UPDATE persons SET first_seen = CASE WHEN persons.first_seen IS NULL OR s.f < persons.first_seen "
            "THEN s.f ELSE persons.first_seen END, last_seen = CASE WHEN persons.last_seen IS NULL OR "
            "s.l > persons.last_seen THEN s.l ELSE persons.last_seen END, updated_at = now()::TIMESTAMP "
            "FROM _cxj_span s WHERE persons.person_id = s.person_id AND (persons.first_seen IS NULL OR "
            "persons.last_seen IS NULL OR s.f < persons.first_seen OR s.l > persons.last_seen)")
        con.execute("INSERT INTO persons SELECT s.person_id, NULL, '{}'::JSON, s.f, s.l, now()::TIMESTAMP "
                    "FROM _cxj_span s WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.person_id = s.person_id)")
        con.execute("DROP TABLE _cxj_span")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [SPAN_KEY, str(upto_seq)])
