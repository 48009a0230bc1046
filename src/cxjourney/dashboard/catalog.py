"""Maintenance of the message catalogs: ``python -m cxjourney.dashboard.catalog`` extracts every message
from the templates and page builders and reports those the Polish catalog does not translate;
``--update`` first rewrites the ``.po`` files with the messages in use (keeping existing translations)."""

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


def update() -> None:
    """Rewrite every language's .po with the messages in use, keeping existing translations."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    msgs = sorted(messages())
    for lang in ("en", "pl"):
        po = I18N_DIR / lang / "LC_MESSAGES" / "messages.po"
        old = read_po(po.open("rb"), locale=lang) if po.exists() else Catalog(locale=lang)
        cat = Catalog(locale=lang, project="cxjourney", version="0.1", copyright_holder="cxjourney contributors")
        for m in msgs:
            prev = old.get(m)
            cat.add(m, prev.string if prev is not None else "")
        with po.open("wb") as fh:
            write_po(fh, cat, width=110, omit_header=False, sort_output=True)


def main() -> int:
    if "--update" in sys.argv:
        update()
    missing = untranslated("pl")
    for m in missing:
        print(m)
    print(f"{len(missing)} message(s) without a Polish translation in {I18N_DIR / 'pl'}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
