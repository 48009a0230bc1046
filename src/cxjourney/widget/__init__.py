"""The on-site survey widget: ``widget.js`` (the project's own vanilla JavaScript), served at /w/widget.js."""

from __future__ import annotations

from pathlib import Path

WIDGET_JS = Path(__file__).resolve().parent / "widget.js"


def widget_bytes() -> bytes:
    return WIDGET_JS.read_bytes()
