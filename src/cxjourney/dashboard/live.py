"""Live updates: committed events (and survey answers, which arrive as 'Survey Responded' events) are
pushed to open pages as server-sent events from ``app.state.bus``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from cxjourney.api.deps import principal

router = APIRouter(prefix="/dashboard", include_in_schema=False)
STREAM_SECONDS = 300  # the browser's EventSource reconnects by itself after this
KEEPALIVE_SECONDS = 15


@router.get("/live")
async def live(request: Request) -> StreamingResponse:
    principal(request)  # any signed-in role
    bus = request.app.state.bus
    queue = bus.subscribe()
    loop = asyncio.get_running_loop()

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 1000\nevent: hello\ndata: {}\n\n"
            end = loop.time() + STREAM_SECONDS
            quiet = loop.time()
            while loop.time() < end:
                if await request.is_disconnected():
                    break
                try:
                    batch = await asyncio.wait_for(queue.get(), timeout=0.5)
                except TimeoutError:
                    if loop.time() - quiet > KEEPALIVE_SECONDS:
                        quiet = loop.time()
                        yield b": keepalive\n\n"
                    continue
                quiet = loop.time()
                yield b"event: events\ndata: " + orjson.dumps(batch) + b"\n\n"
        finally:
            bus.unsubscribe(queue)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
