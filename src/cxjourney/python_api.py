"""The Python API, for notebooks and scripts: every registered query as a method.

    import cxjourney
    cx = cxjourney.connect("demo-workspace")
    cx.nps(by=["touchpoint"], period="month").to_pandas()
    cx.funnel(steps=["Product Viewed", "Checkout Started", "Order Completed"])
    cx.query("paths", top=20)

It opens the workspace's DuckDB file read-only, or, when a running server holds the file, sends the same
queries to that server with the workspace's own token: the numbers are the ones the CLI, the REST API and
the dashboard show. Python keywords are written with a trailing underscore (``from_=date(2026, 1, 1)``).
"""

from __future__ import annotations

import keyword
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cxjourney.query import Result, registry


def _jsonable(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, (list, tuple, set)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def _params(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in kwargs.items():
        if k.endswith("_") and keyword.iskeyword(k[:-1]):
            k = k[:-1]
        out[k] = _jsonable(v)
    return out


class Connection:
    """A workspace opened for reading. Use as a context manager or call :meth:`close`."""

    def __init__(self, workspace: str | Path = ".", *, now: datetime | None = None):
        from cxjourney.cli.client import open_client

        self._client = open_client(workspace)
        self.now = now
        self.mode = self._client.mode  # "local" or "server"

    def query(self, name: str, /, **params: Any) -> Result:
        """Run the named query (see docs/queries.md) with keyword parameters."""
        return self._client.run(name, _params(params), now=self.now)

    def queries(self) -> dict[str, str]:
        """Every query this installation knows, with its one-line summary."""
        return {n: s.summary for n, s in sorted(registry().items())}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in registry():
            raise AttributeError(f"{type(self).__name__} has no attribute or query {name!r}")

        def run(**params: Any) -> Result:
            return self.query(name, **params)

        run.__name__ = name
        run.__doc__ = registry()[name].summary
        return run

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *registry()})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(workspace: str | Path = ".", *, now: datetime | None = None) -> Connection:
    """Open a workspace for reading: ``cxjourney.connect("demo-workspace").nps(by=["stage"])``."""
    return Connection(workspace, now=now)
