"""The server: one process that owns the workspace's DuckDB file (``create_app(settings)``)."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from cxjourney import __version__
from cxjourney.api import errors
from cxjourney.api.deps import utcnow
from cxjourney.api.errors import FastJSON
from cxjourney.api.parsers import ParserPool
from cxjourney.config import Settings
from cxjourney.ingest.writer import EventWriter
from cxjourney.security.keys import KeyCache, ensure_cli_token
from cxjourney.storage import Store, connect
from cxjourney.workspace import Workspace


class EventBus:
    """Fan-out of committed events to live listeners (server-sent events), thread-safe from the writer."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue[list[dict[str, Any]]]] = set()

    def subscribe(self) -> asyncio.Queue[list[dict[str, Any]]]:
        q: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue(maxsize=100)
        self.queues.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[list[dict[str, Any]]]) -> None:
        self.queues.discard(q)

    def publish(self, table: Any) -> None:
        """Called by the writer with each committed Arrow table; only its last 50 events are sent."""
        if self.loop is None or not self.queues:
            return
        last = table.slice(max(table.num_rows - 50, 0)).select(
            ["seq", "type", "event", "name", "person_id", "timestamp", "channel"]).to_pylist()
        summary = [{**r, "timestamp": r["timestamp"].isoformat()} for r in last]

        def _put() -> None:
            for q in list(self.queues):
                if not q.full():
                    q.put_nowait(summary)

        self.loop.call_soon_threadsafe(_put)


def create_app(settings: Settings, *, store: Store | None = None, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """Build the app. The store is opened read-write at startup (or the given one is used)."""
    bus = EventBus()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        st = store if store is not None else connect(settings)
        ensure_cli_token(st, settings.workspace)
        # DuckDB keeps the blocks it writes cached up to its memory limit (80% of RAM by default): under
        # sustained ingestion the server would grow by about the size of the data. Bounded here; queries
        # needing more spill to disk.
        st.con.execute(f"SET memory_limit = '{int(settings.server_db_memory_mb)}MB'")
        writer = EventWriter(
            st,
            dedup_window=timedelta(hours=settings.dedup_window_hours),
            commit_interval_ms=settings.commit_interval_ms,
            on_commit=bus.publish,
        )
        writer.start()
        parsers = ParserPool(settings.ingest_workers)  # started by the first large batch
        app.state.parsers = parsers
        bus.loop = asyncio.get_running_loop()
        app.state.store = st
        app.state.writer = writer
        app.state.keys = KeyCache(st)
        for hook in app.state.startup_hooks:
            hook(app)
        # Everything loaded so far (libraries, caches) lives as long as the server: keep it out of the cyclic
        # garbage collector's scans, which otherwise walk it again and again under ingestion load.
        gc.collect()
        gc.freeze()
        # Ingestion allocates ~20 containers per event (parsed JSON, rows) that die by reference counting a few
        # milliseconds later, after their commit; collecting the youngest generation every 700 allocations
        # rescans the in-flight batches again and again. Every 50,000 keeps the cyclic collector, at a fraction
        # of the cost (measured with benchmarks/bench_ingest.py).
        gc.set_threshold(50_000, 20, 20)
        # The writer thread gives up the GIL during each DuckDB statement (~10 per commit) and then waits for the
        # request thread to hand it back, by default up to 5 ms each time: a commit of 1,000 events spent as long
        # waiting as working. 0.5 ms keeps the single writer, on which the ingestion rate depends, moving.
        sys.setswitchinterval(0.0005)
        try:
            yield
        finally:
            for hook in app.state.shutdown_hooks:
                hook(app)
            await parsers.close()
            writer.stop()
            if own:
                st.close()

    app = FastAPI(
        title="cxjourney",
        version=__version__,
        description="Customer experience along the customer journey: Segment-compatible collection, "
        "journeys as code, honest metrics. Every error has the shape "
        '{"ok": false, "error": ..., "errors": [...], "status": ...}.',
        default_response_class=FastJSON,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.workspace = Workspace(settings)
    app.state.clock = clock or utcnow
    app.state.bus = bus
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Content-Encoding"],
        max_age=86400,
    )
    errors.install(app)

    @app.get("/healthz", tags=["ops"], summary="Liveness and store facts")
    def healthz() -> dict[str, Any]:
        st = app.state.store
        return {"ok": True, "version": __version__, "schema_version": st.schema_version()}

    from cxjourney.api import admin, collect, read

    app.include_router(collect.router)
    app.include_router(read.router)
    app.include_router(admin.router)
    # Domain routers: one line each.
    app.include_router(__import__("cxjourney.api.routes_surveys", fromlist=["router"]).router)
    __import__("cxjourney.api.routes_models", fromlist=["install"]).install(app)
    app.include_router(__import__("cxjourney.api.routes_text", fromlist=["router"]).router)
    __import__("cxjourney.api.routes_alerts", fromlist=["install"]).install(app)
    __import__("cxjourney.api.rollups_job", fromlist=["install"]).install(app)
    __import__("cxjourney.dashboard", fromlist=["install"]).install(app)
    return app
