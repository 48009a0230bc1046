"""Shared CLI plumbing: the workspace option, JSON/rich output, and turning errors into messages."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cxjourney.errors import CXJError

console = Console(stderr=False, soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

WorkspaceOpt = typer.Option(".", "--workspace", "-w", help="Workspace directory.")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")

F = TypeVar("F", bound=Callable[..., Any])


def _default(o: Any) -> Any:
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, list):
        return ", ".join(fmt(x) for x in v)
    return str(v)


def print_rows(rows: list[dict[str, Any]], title: str | None = None, columns: list[str] | None = None) -> None:
    """A rich table; a flagged figure shows its flag instead of a bare number."""
    if not rows:
        console.print(f"[dim]{title + ': ' if title else ''}no rows[/dim]")
        return
    cols = columns or list(rows[0].keys())
    t = Table(title=title)
    for c in cols:
        t.add_column(c)
    for r in rows:
        flags = r.get("flags") or []
        cells = []
        for c in cols:
            v = r.get(c)
            if "insufficient_sample" in flags and c in ("value", "ci_low", "ci_high"):
                cells.append("[yellow]n too small[/yellow]" if c == "value" else "—")
            else:
                cells.append(fmt(v))
        t.add_row(*cells)
    console.print(t)


def handle_errors(fn: F) -> F:
    """User mistakes print a clear message and exit 2; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CXJError as exc:
            err_console.print(f"[bold red]error:[/bold red] {exc.message}", highlight=False)
            for e in exc.errors[:50]:
                where = ":".join(str(e[k]) for k in ("file", "line") if e.get(k) is not None)
                field = e.get("field") or ""
                val = f" (value: {e['value']!r})" if e.get("value") is not None else ""
                err_console.print(f"  {where + ': ' if where else ''}{field + ': ' if field else ''}{e.get('message', '')}{val}", highlight=False)
            if len(exc.errors) > 50:
                err_console.print(f"  … and {len(exc.errors) - 50} more")
            raise typer.Exit(2) from None
        except FileNotFoundError as exc:
            err_console.print(f"[bold red]error:[/bold red] file not found: {exc.filename}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
