"""messageId de-duplication: within the window a repeated id is stored once, also after a restart; the window's
memory is bounded (expired and overflowing ids are forgotten without scanning the whole window)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxjourney.ingest import EventWriter, normalize
from cxjourney.ingest import writer as writer_mod
from cxjourney.storage import memory_store

T0 = datetime(2026, 3, 1, 12, 0)


def _send(w: EventWriter, at: datetime, *ids: str) -> tuple[int, int]:
    rows = [normalize({"type": "track", "userId": "u", "event": "E", "messageId": m}, i, received_at=at) for i, m in enumerate(ids)]
    res = w.write(rows)  # type: ignore[arg-type]
    return res.accepted, res.duplicates


def test_a_repeated_message_id_is_stored_once_within_the_window_and_after_a_restart() -> None:
    st = memory_store()
    w = EventWriter(st, dedup_window=timedelta(hours=24))
    assert _send(w, T0, "a", "b") == (2, 0)
    assert _send(w, T0 + timedelta(hours=23), "a", "c") == (1, 1)
    restarted = EventWriter(st, dedup_window=timedelta(hours=24))
    assert _send(restarted, T0 + timedelta(hours=23, minutes=1), "b", "c", "d") == (1, 2)


def test_ids_older_than_the_window_are_forgotten() -> None:
    w = EventWriter(memory_store(), dedup_window=timedelta(hours=1))
    _send(w, T0, "old")
    _send(w, T0 + timedelta(hours=2), "new")
    assert "old" not in w.seen and "new" in w.seen
    assert _send(w, T0 + timedelta(hours=2, minutes=1), "old") == (1, 0)  # outside the window: a new event


def test_the_remembered_ids_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_mod, "DEDUP_MAX_IDS", 5)
    w = EventWriter(memory_store())
    for k in range(4):
        _send(w, T0 + timedelta(seconds=k), f"x{k}a", f"x{k}b")
    assert len(w.seen) <= 5 and "x3a" in w.seen and "x3b" in w.seen and "x0a" not in w.seen
    assert _send(w, T0 + timedelta(seconds=5), "x3a", "x0a") == (1, 1)  # x0a was forgotten: stored again


def test_ids_frozen_into_hash_levels_are_still_found_then_forgotten_a_level_at_a_time() -> None:
    from cxjourney.ingest.dedup import SeenIds

    seen = SeenIds(timedelta(hours=1), max_ids=200)  # levels of 10 ids
    for k in range(10):
        seen.add(T0 + timedelta(minutes=k), [f"id-{k}-{j}" for j in range(7)])
    assert len(seen._levels) >= 5 and len(seen) == 70
    ids = [f"id-{k}-{j}" for k in range(10) for j in range(7)]
    assert seen.known(ids).all()
    assert not seen.known(["id-10-0", "other", "id-0-7"]).any()
    # An hour later only the levels whose newest id is within the window are left; the newest ids are all there.
    seen.add(T0 + timedelta(minutes=65), ["late"])
    assert "late" in seen and "id-9-6" in seen and "id-0-0" not in seen
    assert len(seen) < 71
    # The cap: never more than max_ids, the oldest forgotten first.
    for k in range(60):
        seen.add(T0 + timedelta(minutes=66, seconds=k), [f"bulk-{k}-{j}" for j in range(10)])
    assert len(seen) <= 200
    assert seen.known([f"bulk-59-{j}" for j in range(10)]).all() and "bulk-0-0" not in seen


def test_a_restarted_writer_remembers_more_ids_than_fit_in_its_newest_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_mod, "DEDUP_MAX_IDS", 100)  # levels of 5 ids: most ids are reloaded as hashes
    st = memory_store()
    w = EventWriter(st)
    for k in range(8):
        _send(w, T0 + timedelta(seconds=k), *[f"r{k}-{j}" for j in range(10)])
    restarted = EventWriter(st)
    assert len(restarted.seen._levels) > 1
    assert _send(restarted, T0 + timedelta(seconds=9), "r7-9", "r2-3", "r0-0", "fresh") == (1, 3)
    assert _send(restarted, T0 + timedelta(seconds=10), "fresh") == (0, 1)
