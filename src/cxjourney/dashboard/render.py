"""Jinja environments (autoescape ON, one per language) and the HTML-or-JSON answer of every page."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cxjourney.dashboard.i18n import LANGUAGES, Formatter, translations

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def env(lang: str) -> Environment:
    e = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    fmt = Formatter(lang)
    e.filters.update(num=fmt.num, int=fmt.int, pct=fmt.pct, money=fmt.money, date=fmt.date, day=fmt.day, metric=fmt.value)
    e.globals["lang"] = lang
    e.globals["languages"] = LANGUAGES
    return e


def render(template_name: str, lang: str, /, **context: Any) -> str:
    return env(lang).get_template(template_name).render(**context)


def wants_json(path: str, accept: str) -> bool:
    if path.endswith(".json"):
        return True
    a = accept.lower()
    return "application/json" in a and "text/html" not in a
