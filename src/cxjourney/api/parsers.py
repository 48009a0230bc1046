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
import logging
import os
import pickle
import sys
from datetime import datetime
from typing import Any

from cxjourney.ingest.batch import EventBatch
from cxjourney.ingest.fastpath import fast_batch

Parsed = tuple[EventBatch, Any] | None
log = logging.getLogger(__name__)


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc

    async def exchange(self, payload: bytes) -> bytes:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(len(payload).to_bytes(8, "little") + payload)
        await self.proc.stdin.drain()
        n = int.from_bytes(await self.proc.stdout.readexactly(8), "little")
        return await self.proc.stdout.readexactly(n)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()


class ParserPool:
    """``workers`` parsing processes (0: parse in the server process).

    They are started when the first body worth sending arrives (a server that never receives large batches
    never starts one), and join once they are ready; until then bodies are parsed in the server."""

    def __init__(self, workers: int, *, min_bytes: int = 16 * 1024):
        self.workers = workers
        self.min_bytes = min_bytes
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()  # None: no worker left
        self._all: list[_Worker] = []  # ready workers, idle or busy
        self._boot: asyncio.Task[None] | None = None
        self.remote = 0  # bodies parsed by a worker
        self.local = 0  # bodies parsed in the server (small ones, or while no worker was ready)

    async def start(self) -> None:
        """Start the workers now and wait until they are ready."""
        if self._boot is None:
            self._boot = asyncio.create_task(self._start_all())
        await asyncio.shield(self._boot)

    async def _start_all(self) -> None:
        for _ in range(self.workers):
            try:
                w = await self._spawn()
            except OSError:
                log.exception("could not start a parsing worker; parsing in the server")
                continue
            self._all.append(w)
            self._idle.put_nowait(w)

    async def _spawn(self) -> _Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cxjourney.ingest.parse_worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            limit=1 << 20,
        )
        w = _Worker(proc)
        assert proc.stdout is not None
        try:  # the worker says it is ready once its imports are done
            ready = await asyncio.wait_for(proc.stdout.readexactly(1), timeout=60)
        except (asyncio.IncompleteReadError, TimeoutError) as exc:
            w.kill()
            raise OSError(f"parsing worker did not start (exit code {proc.returncode})") from exc
        if ready != b"R":
            w.kill()
            raise OSError(f"parsing worker sent {ready!r} instead of its ready mark")
        return w

    async def parse(self, raw: bytes, *, received_at: datetime, max_event_bytes: int) -> Parsed:
        """A body -> what :func:`~cxjourney.ingest.fastpath.fast_batch` returns, parsed by a worker when worth it."""
        if self.workers > 0 and len(raw) >= self.min_bytes:
            if self._boot is None:
                self._boot = asyncio.create_task(self._start_all())
            if self._all:
                payload = pickle.dumps((raw, received_at, max_event_bytes), protocol=5)
                # Shielded: a request cancelled mid-way (client gone) must not leave its answer in the pipe for
                # the next one.
                data = await asyncio.shield(self._round_trip(payload))
                if data is not None:
                    self.remote += 1
                    result: Parsed = pickle.loads(data)
                    return result
        self.local += 1
        return fast_batch(raw, received_at=received_at, max_event_bytes=max_event_bytes)

    async def _round_trip(self, payload: bytes) -> bytes | None:
        w = await self._idle.get()
        if w is None:  # no worker can be started: everything is parsed in the server
            self._idle.put_nowait(None)
            return None
        replacement: _Worker | None = w
        try:
            return await w.exchange(payload)
        except (OSError, asyncio.IncompleteReadError, RuntimeError):  # RuntimeError: uvloop's "handler is closed"
            # Died (killed, out of memory): replaced; this batch is parsed in the server.
            self._all.remove(w)
            w.kill()
            try:
                replacement = await self._spawn()
                self._all.append(replacement)
            except OSError:
                log.exception("could not start a parsing worker; parsing in the server")
                replacement = None
            return None
        finally:
            if replacement is not None or not self._all:
                self._idle.put_nowait(replacement)

    async def close(self) -> None:
        if self._boot is not None and not self._boot.done():
            self._boot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._boot
        for w in self._all:
            if w.proc.stdin is not None:
                w.proc.stdin.close()
        for w in self._all:
            try:
                await asyncio.wait_for(w.proc.wait(), timeout=5)
            except TimeoutError:
                w.kill()
        self._all.clear()
