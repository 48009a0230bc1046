"""Worker processes that parse ``/v1/batch`` bodies beside the server process.

Why processes: the server is one Python process (it owns the DuckDB file), and its writer thread needs the
interpreter lock many times during each DuckDB statement. Measured on the 2-core machine
(``benchmarks/bench_ingest.py``): with the request thread parsing JSON in the same process, a 1,000-event insert
and commit took 2-3x as long as alone, and that serial writer is what bounds the ingestion rate. Here a
batch's body goes to an idle worker (``cxjourney.ingest.parse_worker``) over a pipe and comes back as a ready
:class:`~cxjourney.ingest.batch.EventBatch` (Arrow columns); the server process only routes HTTP, stitches,
inserts and commits.

Small bodies (under ``min_bytes``) are parsed in the server: the round trip would cost more than the parsing.
A worker that dies is replaced, and its batch is parsed in the server: nothing is lost. The worker only ever
takes the fast path; a batch that needs the exact path (an invalid event) comes back as ``None``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
from datetime import datetime
from typing import Any

from cxjourney.ingest.batch import EventBatch
from cxjourney.ingest.fastpath import fast_batch

Parsed = tuple[EventBatch, Any] | None


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc

    async def exchange(self, payload: bytes) -> bytes:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(len(payload).to_bytes(8, "little") + payload)
        await self.proc.stdin.drain()
        n = int.from_bytes(await self.proc.stdout.readexactly(8), "little")
        return await self.proc.stdout.readexactly(n)


class ParserPool:
    """``workers`` parsing processes (0: parse in the server process)."""

    def __init__(self, workers: int, *, min_bytes: int = 16 * 1024):
        self.workers = workers
        self.min_bytes = min_bytes
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self.remote = 0  # bodies parsed by a worker
        self.local = 0  # bodies parsed in the server (small ones, or while a worker was being replaced)

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for _ in range(self.workers):
            self._idle.put_nowait(await self._spawn())

    async def _spawn(self) -> _Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cxjourney.ingest.parse_worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            limit=1 << 20,
        )
        w = _Worker(proc)
        self._all.append(w)
        return w

    async def parse(self, raw: bytes, *, received_at: datetime, max_event_bytes: int) -> Parsed:
        """A body -> what :func:`~cxjourney.ingest.fastpath.fast_batch` returns, parsed by a worker when worth it."""
        if self._idle is None or not self._all or len(raw) < self.min_bytes:
            self.local += 1
            return fast_batch(raw, received_at=received_at, max_event_bytes=max_event_bytes)
        payload = pickle.dumps((raw, received_at, max_event_bytes), protocol=5)
        # Shielded: a request cancelled mid-way (client gone) must not leave its answer in the pipe for the next.
        data = await asyncio.shield(self._round_trip(payload))
        if data is None:
            self.local += 1
            return fast_batch(raw, received_at=received_at, max_event_bytes=max_event_bytes)
        self.remote += 1
        result: Parsed = pickle.loads(data)
        return result

    async def _round_trip(self, payload: bytes) -> bytes | None:
        assert self._idle is not None
        w = await self._idle.get()
        try:
            return await w.exchange(payload)
        except (OSError, asyncio.IncompleteReadError, RuntimeError):  # RuntimeError: uvloop's "handler is closed"
            self._all.remove(w)  # died (killed, out of memory): replaced; this batch is parsed in the server
            with contextlib.suppress(ProcessLookupError):
                w.proc.kill()
            w = await self._spawn()
            return None
        finally:
            self._idle.put_nowait(w)

    async def close(self) -> None:
        for w in self._all:
            if w.proc.stdin is not None:
                w.proc.stdin.close()
        for w in self._all:
            try:
                await asyncio.wait_for(w.proc.wait(), timeout=5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.kill()
        self._all.clear()
