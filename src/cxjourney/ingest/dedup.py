"""The messageIds of the de-duplication window, in bounded memory.

The newest ids are kept as they are (a set); each time that set reaches ``max_ids / 20`` ids it is frozen into a
sorted array of their 64-bit hashes (8 bytes an id instead of ~100 for a string in a set). A batch is looked up at
once: one pass over the set and a binary search per frozen array. Ids are forgotten a frozen array at a time:
when its newest id is older than the window, or when more than ``max_ids`` are remembered (oldest first).

A hash match is taken for a repeat: with 2 million ids remembered, a new id matches one by chance with
probability 2e6 / 2^64, about 1e-13 (Python's string hash, SipHash, seeded per process).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np


class SeenIds:
    def __init__(self, window: timedelta, max_ids: int):
        self.window = window
        self.max_ids = max_ids
        self.level_size = max(1, max_ids // 20)
        self._recent: deque[tuple[datetime, list[str]]] = deque()  # (newest received_at, ids) per commit
        self._recent_set: set[str] = set()
        self._levels: deque[tuple[datetime, np.ndarray]] = deque()  # (newest received_at, sorted int64 hashes)
        self._in_levels = 0

    def __len__(self) -> int:
        return len(self._recent_set) + self._in_levels

    def __contains__(self, mid: object) -> bool:
        return isinstance(mid, str) and bool(self.known([mid])[0])

    def known(self, mids: Sequence[str]) -> np.ndarray:
        """Which of ``mids`` are remembered (a boolean array in their order)."""
        recent = self._recent_set
        found = np.fromiter((m in recent for m in mids), dtype=bool, count=len(mids))
        if self._levels and len(mids):
            hashes = np.fromiter(map(hash, mids), dtype=np.int64, count=len(mids))
            for _, level in self._levels:
                at = np.searchsorted(level, hashes)
                at[at == len(level)] = 0
                found |= level[at] == hashes
        return found

    def add(self, newest: datetime, mids: list[str]) -> None:
        """Remember ``mids``, received at most at ``newest`` (calls come in the order of arrival)."""
        if mids:
            self._recent.append((newest, mids))
            self._recent_set.update(mids)
            if len(self._recent_set) >= self.level_size:
                self._freeze()
        self._evict(newest)

    def add_rows(self, rows: Iterable[tuple[str, datetime]]) -> None:
        """Remember stored ``(message_id, received_at)`` rows, oldest first (a writer starting up)."""
        chunk: list[str] = []
        last: datetime | None = None
        step = min(10_000, self.level_size)  # a level's ids span a short time: they expire together
        for mid, rec in rows:
            chunk.append(mid)
            last = rec
            if len(chunk) >= step:
                self.add(last, chunk)
                chunk = []
        if chunk and last is not None:
            self.add(last, chunk)

    def _freeze(self) -> None:
        newest = max(t for t, _ in self._recent)
        level = np.fromiter(map(hash, self._recent_set), dtype=np.int64, count=len(self._recent_set))
        level.sort()
        self._levels.append((newest, level))
        self._in_levels += len(level)
        self._recent.clear()
        self._recent_set = set()

    def _evict(self, newest: datetime) -> None:
        cutoff = newest - self.window
        while self._levels and (self._levels[0][0] < cutoff or len(self) > self.max_ids):
            self._in_levels -= len(self._levels.popleft()[1])
        while self._recent and (self._recent[0][0] < cutoff or len(self) > self.max_ids):
            self._recent_set.difference_update(self._recent.popleft()[1])
