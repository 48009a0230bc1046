"""A module imported on first use (``stats = lazy_module("scipy.stats")``; ``stats.norm`` imports it).

The server loads every query module at startup to register its routes; ``scipy.stats`` alone costs ~70 MB
of resident memory there and is needed only when a figure's interval is computed."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (loaded)' if self._module is not None else ''}>"


def lazy_module(name: str) -> Any:
    return _LazyModule(name)
