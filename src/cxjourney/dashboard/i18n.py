"""Polish and English: gettext catalogs (Babel ``.po`` files in ``i18n/``) and locale-aware formatting of
numbers, percentages, money and dates. One Jinja environment per language, so requests never share state."""

from __future__ import annotations

import builtins
import functools
import io
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LANGUAGES = ("en", "pl")
LOCALES = {"en": "en_GB", "pl": "pl_PL"}
I18N_DIR = Path(__file__).parent / "i18n"


@functools.cache
def translations(lang: str) -> Translations:
    """The catalog of ``lang`` compiled in memory from its ``.po`` file."""
    po = I18N_DIR / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=LOCALES[lang])
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain="messages")


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def pick_language(requested: str | None, cookie: str | None, user: str | None, default: str) -> str:
    for cand in (requested, cookie, user, default):
        if cand in LANGUAGES:
            return cand  # type: ignore[return-value]
    return "en"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


class Formatter:
    """Number and date formats of one language (used as Jinja filters and in chart labels)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.locale = Locale.parse(LOCALES[lang])

    def num(self, v: Any, digits: int = 1) -> str:
        if _missing(v):
            return "—"
        fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        return format_decimal(float(v), format=fmt, locale=self.locale)

    def int(self, v: Any) -> str:
        return "—" if _missing(v) else format_decimal(int(round(float(v))), locale=self.locale)

    def pct(self, v: Any, digits: builtins.int = 1) -> str:
        if _missing(v):
            return "—"
        fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(float(v), format=fmt, locale=self.locale)

    def money(self, v: Any) -> str:
        return self.num(v, 2)

    def date(self, v: Any) -> str:
        if _missing(v):
            return "—"
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v)
            except ValueError:
                return v
        if isinstance(v, datetime):
            return format_datetime(v, format="medium", locale=self.locale)
        if isinstance(v, date):
            return format_date(v, format="medium", locale=self.locale)
        return str(v)

    def day(self, v: Any) -> str:
        if _missing(v):
            return "—"
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v)
            except ValueError:
                return v
        return format_date(v, format="medium", locale=self.locale) if isinstance(v, date) else str(v)

    def value(self, v: Any, kind: str = "num") -> str:
        """A metric value by its kind: rate -> percent, score -> 1 decimal, money, count -> integer."""
        if kind == "rate":
            return self.pct(v)
        if kind == "money":
            return self.money(v)
        if kind == "count":
            return self.int(v)
        return self.num(v)
