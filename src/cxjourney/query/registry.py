"""A query is data: a name plus a pydantic params model, looked up in a registry and run once.

Every surface (REST API, CLI, dashboard, Python API) calls :func:`run_query`, so each number is computed
one way only. A query function builds Ibis expressions and executes them; it returns a :class:`Result`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from cxjourney.errors import NotFound, ValidationFailed


class Result(BaseModel):
    """Rows of ``{dimensions..., metrics...}`` plus meta (n, intervals, flags, definitions)."""

    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (``meta`` stays on the Result)."""
        import pandas as pd

        return pd.DataFrame.from_records(self.rows)


@dataclass
class QueryContext:
    """Everything a query may use. ``now`` is a parameter: domain code never reads the clock itself."""

    store: Any
    settings: Any
    now: datetime
    workspace: Any = None  # cxjourney.workspace.Workspace (journeys, surveys) when available
    role: str = "admin"
    extra: dict[str, Any] = field(default_factory=dict)
    rollups: bool = True  # answer from the per-person rollups when they are fresh (analytics/rollups.py)


@dataclass(frozen=True)
class QuerySpec:
    name: str
    params: type[BaseModel]
    run: Callable[[QueryContext, Any], Result]
    summary: str


_REGISTRY: dict[str, QuerySpec] = {}


def register(name: str, params: type[BaseModel], *, summary: str = "") -> Callable[[Callable], Callable]:
    """Decorator: ``@register("nps", NPSParams)`` on ``def run(ctx, params) -> Result``."""

    def deco(fn: Callable[[QueryContext, Any], Result]) -> Callable[[QueryContext, Any], Result]:
        if name in _REGISTRY and _REGISTRY[name].run is not fn:
            raise RuntimeError(f"query {name!r} registered twice")
        _REGISTRY[name] = QuerySpec(name, params, fn, summary or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return deco


def registry() -> dict[str, QuerySpec]:
    from cxjourney import query as _q

    _q.load_all()
    return dict(_REGISTRY)


def parse_params(name: str, params: dict[str, Any] | BaseModel | None) -> tuple[QuerySpec, BaseModel]:
    specs = registry()
    if name not in specs:
        raise NotFound(
            f"unknown query {name!r}",
            errors=[{"field": "query", "value": name, "message": f"known: {', '.join(sorted(specs))}"}],
        )
    spec = specs[name]
    if isinstance(params, spec.params):
        return spec, params
    raw = params.model_dump() if isinstance(params, BaseModel) else (params or {})
    try:
        return spec, spec.params.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(
            f"invalid parameters for query {name!r}",
            errors=[
                {
                    "field": ".".join(str(p) for p in err["loc"]) or "params",
                    "message": err["msg"],
                    "value": err.get("input"),
                }
                for err in exc.errors(include_url=False)
            ],
        ) from exc


def run_query(ctx: QueryContext, name: str, params: dict[str, Any] | BaseModel | None = None) -> Result:
    spec, parsed = parse_params(name, params)
    extra = ctx.extra if isinstance(ctx.extra, dict) else {}
    extra.pop("rollups", None)
    extra.pop("rollups_checked", None)  # whether the rollups can answer is decided once per run
    sync = getattr(ctx.store, "sync_for_read", None)
    if sync is not None:
        sync()
    with ctx.store.lock:
        result = spec.run(ctx, parsed)
    extra.pop("rollups_checked", None)
    if "rollups" in extra:  # answered from the per-person rollups (analytics/rollups.py): as of when
        result.meta.setdefault("rollups", extra.pop("rollups"))
    result.meta.setdefault("query", name)
    result.meta.setdefault("as_of", ctx.now.isoformat())
    result.meta.setdefault("params", parsed.model_dump(mode="json", by_alias=True))
    return result
