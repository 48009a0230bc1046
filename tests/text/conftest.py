"""Fixtures for text analytics: a store with survey comments along the example journey."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
# The project corpus the default classifier is trained on (the query tests only need realistic comments).
CORPUS = Path(__file__).resolve().parents[2] / "src" / "cxjourney" / "text" / "corpus"
# The example journey's touchpoints (src/cxjourney/demo/template/journeys/online-store.yaml) and the
# evaluation set's touchpoints that belong to them.
TOUCHPOINT_OF = {"ads": "ad", "email": "email", "website": "home", "search": "browse", "product_page": "product",
                 "checkout": "checkout", "payment": "checkout", "delivery": "delivery", "courier": "delivery",
                 "support": "support", "returns": "support"}


def comment_rows() -> list[dict[str, str]]:
    rows = []
    for lang in ("pl", "en"):
        with (CORPUS / f"{lang}.csv").open(encoding="utf-8") as fh:
            rows += [r for r in csv.DictReader(fh) if r["touchpoint"] in TOUCHPOINT_OF]
    return rows


def insert_responses(store, rows, start=datetime(2026, 1, 5, 9, 0)) -> None:  # type: ignore[no-untyped-def]
    values = []
    for i, r in enumerate(rows):
        values.append((f"r{i:04d}", "q1", "s1", "text", None, None, r["text"], f"p{i % 50}",
                       TOUCHPOINT_OF.get(r["touchpoint"], r["touchpoint"]), "shop", None,
                       "web" if i % 2 else "app", r.get("language"), start + timedelta(hours=7 * i),
                       start + timedelta(hours=7 * i), "test"))
    store.con.executemany("INSERT INTO responses VALUES (" + ",".join(["?"] * 16) + ")", values)


JOURNEY = """\
id: shop
version: 1
name: {en: Shop, pl: Sklep}
stages:
  - id: awareness
    name: {en: Awareness, pl: Świadomość}
    touchpoints:
      - {id: ad, name: Ad, match: {event: Ad Clicked}}
      - {id: email, name: E-mail, match: {event: Email Opened}}
      - {id: home, name: Home, match: {type: page, path: '^/$'}}
  - id: consideration
    name: {en: Consideration, pl: Rozważanie}
    touchpoints:
      - {id: browse, name: Search, match: {type: page, path: '^/search'}}
      - {id: product, name: Product, match: {event: Product Viewed}}
  - id: purchase
    name: {en: Purchase, pl: Zakup}
    touchpoints:
      - {id: checkout, name: Checkout, match: {event: Checkout Started}}
  - id: retention
    name: {en: Retention, pl: Utrzymanie}
    touchpoints:
      - {id: delivery, name: Delivery, match: {event: Order Delivered}}
      - {id: support, name: Support, match: {event: Ticket Created}}
"""


def make_text_workspace(ws: Path) -> Path:
    from cxjourney.workspace import init_workspace

    init_workspace(ws, with_examples=False)
    (ws / "journeys" / "shop.yaml").write_text(JOURNEY, encoding="utf-8")
    return ws


@pytest.fixture
def text_workspace(tmp_path: Path) -> Path:
    """A workspace with a small journey of its own (no survey references)."""
    return make_text_workspace(tmp_path / "ws")


@pytest.fixture(scope="module")
def comments_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The evaluation comments stored as survey responses along the journey, and analysed (read-only use)."""
    from cxjourney.config import load_settings
    from cxjourney.storage import connect
    from cxjourney.text.analyze import analyze_comments
    from cxjourney.text.sentiment import default_analyzer

    workspace = make_text_workspace(tmp_path_factory.mktemp("comments") / "ws")
    settings = load_settings(workspace)
    store = connect(settings)
    try:
        insert_responses(store, comment_rows())
        analyze_comments(store, default_analyzer(), now=datetime(2026, 3, 1))
    finally:
        store.close()
    return workspace
