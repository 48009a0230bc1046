"""Maintenance of the message catalogs: ``python -m cxjourney.dashboard.catalog`` extracts every message
from the templates and page builders and reports those the Polish catalog does not translate."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

from cxjourney.dashboard.i18n import I18N_DIR, translations

ROOT = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2"), ("pages/**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "t": None, "N_": None}


def messages() -> set[str]:
    found = extract_from_dir(str(ROOT), method_map=METHODS, keywords=KEYWORDS,
                             options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}})
    return {m for _, _, m, _, _ in found if isinstance(m, str)}


def untranslated(lang: str = "pl") -> list[str]:
    tr = translations(lang)
    return sorted(m for m in messages() if tr.gettext(m) == m and m not in SAME)


# Messages whose Polish is the same as the English (names, abbreviations).
SAME = {"NPS", "CSAT", "CES", "JSON", "E-mail", "Segment"}


def main() -> int:
    missing = untranslated("pl")
    for m in missing:
        print(m)
    print(f"{len(missing)} message(s) without a Polish translation in {I18N_DIR / 'pl'}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
