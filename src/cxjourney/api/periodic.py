"""Periodic jobs inside the server (alert checks, CLV refresh): started with the app, cancelled at shutdown.

A job is a plain function of the app, run in a worker thread so requests keep flowing; an exception is
logged and the job runs again at its next turn (a failed run never stops the server).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI


async def _loop(app: FastAPI, job: Callable[[FastAPI], Any], interval_s: float, log: logging.Logger,
                describe: Callable[[Any], str | None]) -> None:
    while True:
        try:
            out = await asyncio.to_thread(job, app)
            msg = describe(out)
            if msg:
                log.info(msg)
        except Exception:
            log.exception("scheduled job failed; it runs again in %.0f s", interval_s)
        await asyncio.sleep(interval_s)


def install_periodic(app: FastAPI, job: Callable[[FastAPI], Any], *, interval_s: float, log: logging.Logger,
                     describe: Callable[[Any], str | None] = lambda _out: None) -> None:
    """Run ``job(app)`` every ``interval_s`` seconds (first at startup) while the server runs."""
    tasks: list[asyncio.Task[None]] = []

    def start(app_: FastAPI) -> None:
        tasks.append(asyncio.get_running_loop().create_task(_loop(app_, job, interval_s, log, describe)))

    def stop(_app: FastAPI) -> None:
        for t in tasks:
            t.cancel()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
