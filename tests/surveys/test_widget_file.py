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
