"""The widget script itself: small, self-contained, and text-only rendering."""

from __future__ import annotations

import gzip
import re

from cxjourney.widget import widget_bytes


def test_widget_is_under_15_kb_gzipped() -> None:
    size = len(gzip.compress(widget_bytes(), compresslevel=9))
    assert size < 15 * 1024, f"widget.js is {size} bytes gzipped"


def test_widget_loads_no_third_party_code_and_never_writes_html() -> None:
    js = widget_bytes().decode("utf-8")
    # It talks only to the server it was loaded from (base = its own src), never to another host.
    assert not re.findall(r"https?://(?!YOUR-SERVER)", js)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_of_the_hosted_page_and_widget_meet_wcag_aa_contrast() -> None:
    # WCAG 2.x AA: 4.5:1 for normal text. Colours are read from the page template and the widget's CSS.
    from pathlib import Path

    import cxjourney.surveys as surveys

    page = (Path(surveys.__file__).parent / "templates" / "survey.html").read_text(encoding="utf-8")
    var = dict(re.findall(r"--(fg|bg|accent|muted|err):\s*(#[0-9a-fA-F]{6})", page))
    pairs = {"text": (var["fg"], var["bg"]), "hints and scale ends": (var["muted"], var["bg"]), "links": (var["accent"], var["bg"]),
             "errors": (var["err"], var["bg"]), "selected answer and button": ("#ffffff", var["accent"])}
    js = widget_bytes().decode("utf-8")
    for colour in ("#1a1a1a", "#4a4a4a", "#0b57d0", "#a50e0e"):
        assert f"color:{colour}" in js or f"background:{colour}" in js, colour
        pairs[f"widget {colour}"] = (colour, "#ffffff")
    low = {name: round(_contrast(*p), 2) for name, p in pairs.items() if _contrast(*p) < 4.5}
    assert not low, f"below 4.5:1: {low}"
