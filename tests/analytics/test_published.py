"""Analytics on real data nobody here wrote (../shared/data), imported with the product's own importer and
checked against published figures or an independent pandas computation on the raw file."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxjourney.query import run_query

NOW = datetime(2026, 1, 1)
CASE_MAP = ["user_id=case:concept:name", "event=concept:name", "timestamp=time:timestamp"]


def _workspace(tmp: Path) -> tuple[Any, Any]:
    from cxjourney.storage import connect
    from cxjourney.workspace import init_workspace

    settings = init_workspace(tmp / "ws", with_examples=False)
    return settings, connect(settings)


def _ctx(settings: Any, store: Any) -> Any:
    from cxjourney.query import QueryContext
    from cxjourney.workspace import Workspace

    return QueryContext(store, settings, NOW, Workspace(settings))


def _cli(*args: str) -> Any:
    from cxjourney.cli.main import build

    res = CliRunner().invoke(build(), list(args))
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def helpdesk(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from cxjourney.ingest.importer import import_file

    settings, store = _workspace(tmp_path_factory.mktemp("helpdesk"))
    rep = import_file(store, "events", shared_data / "process-mining-logs" / "helpdesk.csv.gz", CASE_MAP)
    assert (rep.accepted, rep.rejected) == (21_348, 0)
    yield _ctx(settings, store)
    store.close()


# -- process-mining logs: variants (../shared/reference/published-values.md, "Paths on public event logs") --
def test_receipt_log_has_116_variants_and_the_published_top_variant_from_the_cli(shared_data: Path, tmp_path: Path) -> None:
    """WABO receipt log (Buijs, 4TU): 1,434 cases, 8,577 events, 116 variants, top variant 713 cases
    (published-values.md; pm4py's notebook gives the same 116). Exact: tolerance 0. Imported and read
    through the CLI a user would use."""
    ws = tmp_path / "ws"
    _cli("init", str(ws), "--no-examples")
    log = shared_data / "process-mining-logs" / "receipt.csv"
    imp = json.loads(_cli("import", "events", str(log), *[a for m in CASE_MAP for a in ("--map", m)], "-w", str(ws), "--json").stdout)
    assert (imp["accepted"], imp["rejected"]) == (8_577, 0)
    out = json.loads(_cli("paths", "--variants", "--top", "20", "--json", "-w", str(ws)).stdout)
    assert (out["total"], out["n_variants"]) == (1_434, 116)
    top = out["variants"][0]
    assert top["count"] == 713
    short = ["Confirmation of receipt", "T02", "T04", "T05", "T06", "T10"]
    assert len(top["path"]) == len(short) and all(p.startswith(s) for p, s in zip(top["path"], short, strict=True))
    # Paths add up: the 20 listed variants plus the (other) row are every case.
    assert len(out["variants"]) == 21 and out["variants"][-1]["path"] == ["(other)"]
    assert sum(v["count"] for v in out["variants"]) == out["total"]


def test_helpdesk_log_has_226_variants_with_file_order_breaking_timestamp_ties(helpdesk: Any) -> None:
    """Italian help-desk log (4TU): 4,580 cases, 226 variants, top 'Assign seriousness > Take in charge ticket >
    Resolve ticket > Closed' with 2,366 cases (published-values.md; ties broken by file order). Tolerance 0."""
    res = run_query(helpdesk, "paths", {"top": 5})
    assert (res.meta["total"], res.meta["n_variants"]) == (4_580, 226)
    assert res.rows[0] == {"path": ["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"],
                           "count": 2_366, "share": pytest.approx(2_366 / 4_580)}
    assert sum(r["count"] for r in res.rows) == 4_580


def test_helpdesk_transition_graph_balances_and_counts_every_event(helpdesk: Any) -> None:
    rows = run_query(helpdesk, "transitions", {}).rows
    assert sum(r["count"] for r in rows if r["source"] == "(start)") == 4_580
    assert sum(r["count"] for r in rows if r["target"] != "(end)") == 21_348  # one edge into every event
    for node in {r["target"] for r in rows} - {"(end)"}:
        assert sum(r["count"] for r in rows if r["target"] == node) == sum(r["count"] for r in rows if r["source"] == node)


# -- rees46 clickstream: view -> cart -> purchase against an independent pandas funnel ------------------
def _pandas_funnel(df: pd.DataFrame, steps: list[str]) -> list[int]:
    """Loose order: first step-1 event, then the first step-2 event after it (file order breaks ties), ..."""
    df = df.assign(_row=range(len(df)), _t=pd.to_datetime(df.event_time.str.replace(" UTC", "")))
    df = df.sort_values(["user_id", "_t", "_row"], kind="stable")
    reached = [0] * len(steps)
    for _, g in df.groupby("user_id", sort=False):
        kinds = list(g.event_type)
        if steps[0] not in kinds:
            continue
        pos = kinds.index(steps[0])
        reached[0] += 1
        for k in range(1, len(steps)):
            nxt = next((j for j in range(pos + 1, len(kinds)) if kinds[j] == steps[k]), None)
            if nxt is None:
                break
            reached[k] += 1
            pos = nxt
    return reached


def test_rees46_view_cart_purchase_funnel_matches_an_independent_pandas_funnel(shared_data: Path, tmp_path: Path) -> None:
    from cxjourney.ingest.importer import import_file

    path = shared_data / "rees46-ecommerce-events-sample" / "2019-Oct-head.csv"
    settings, store = _workspace(tmp_path)
    try:
        rep = import_file(store, "events", path, ["user_id=user_id", "event=event_type", "timestamp=event_time"],
                          date_format="%Y-%m-%d %H:%M:%S UTC")
        assert rep.accepted == 17_435  # README: view 17,056 + cart 165 + purchase 214
        res = run_query(_ctx(settings, store), "funnel", {"steps": ["view", "cart", "purchase"], "window": "1d"})
    finally:
        store.close()
    raw = pd.read_csv(path, dtype={"user_id": str})
    expected = _pandas_funnel(raw, ["view", "cart", "purchase"])
    assert [r["reached"] for r in res.rows] == expected
    assert expected[0] > expected[1] > expected[2] > 0  # people who convert and people who don't
    assert expected[0] <= 4_505  # README: 4,505 users
    for r in res.rows[1:]:
        assert r["ci_low"] <= r["value"] <= r["ci_high"]


# -- UCI Online Retail: monthly first-purchase cohorts against pandas on the raw lines ------------------
def test_online_retail_monthly_cohorts_match_pandas_on_the_raw_invoice_lines(shared_data: Path, tmp_path: Path) -> None:
    """Orders = invoices of known customers with a non-negative total (cancellations 'C...' sum below zero and
    become refunds); cohort = month of a customer's first order; active = ordered in that month offset."""
    from cxjourney.ingest.importer import import_file

    path = shared_data / "online-retail-uci" / "online_retail.csv.gz"
    settings, store = _workspace(tmp_path)
    try:
        import_file(store, "orders", path, ["order_id=InvoiceNo", "user_id=CustomerID", "timestamp=InvoiceDate",
                                            "quantity=Quantity", "unit_price=UnitPrice"])
        res = run_query(_ctx(settings, store), "retention", {"cohort": "month", "basis": "first_purchase", "max_offset": 12,
                                                             "as_of": "2011-12-10T00:00:00"})
    finally:
        store.close()
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "CustomerID": str})
    raw = raw[raw.CustomerID.notna()]
    inv = raw.assign(rev=raw.Quantity * raw.UnitPrice, t=pd.to_datetime(raw.InvoiceDate)).groupby("InvoiceNo").agg(
        customer=("CustomerID", "first"), t=("t", "min"), rev=("rev", "sum"))
    inv = inv[inv.rev >= 0]
    inv["m"] = inv.t.dt.year * 12 + inv.t.dt.month - 1
    first = inv.groupby("customer").m.min().rename("c")
    inv = inv.join(first, on="customer")
    cells = Counter((c, m - c) for _, c, m in set(zip(inv.customer, inv.c, inv.m, strict=True)))
    got = {(r["cohort"], r["offset"]): (r["active"], r["size"]) for r in res.rows}
    sizes = Counter(first)
    expected = {(f"{c // 12}-{c % 12 + 1:02d}-01", off): (n, sizes[c]) for (c, off), n in cells.items() if off <= 12}
    assert got == expected
    assert got[("2010-12-01", 0)][1] == 885  # the December 2010 cohort: 885 first-time customers
