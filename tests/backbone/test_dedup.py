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
    assert len(w.seen) <= 6 and {"x3a", "x3b"} <= w.seen and "x0a" not in w.seen
