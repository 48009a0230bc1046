"""The query layer. Importing a domain's query module registers its queries; :func:`load_all` imports them."""

from __future__ import annotations

import importlib

from cxjourney.query.registry import QueryContext, Result, register, registry, run_query

# Each domain's module that registers queries. Add one line per module.
QUERY_MODULES: list[str] = [
    "cxjourney.query.core_queries",
    "cxjourney.surveys.queries",
    "cxjourney.surveys.change",
    "cxjourney.surveys.fatigue",
    "cxjourney.models.queries",
    "cxjourney.analytics.queries",
    "cxjourney.analytics.journey_queries",
    "cxjourney.dashboard.queries",
    "cxjourney.text.queries",
    "cxjourney.alerts.queries",
]


def load_all() -> None:
    for mod in QUERY_MODULES:
        importlib.import_module(mod)


__all__ = ["QueryContext", "Result", "load_all", "register", "registry", "run_query"]
