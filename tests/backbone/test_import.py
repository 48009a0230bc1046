"""`cxjourney import events|orders|responses|costs FILE`: CSV, Parquet and JSON Lines with --map; bad rows
reported with line, field and reason; valid rows kept; re-import stores nothing twice; real files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from tests.backbone.conftest import run_cli

from cxjourney.config import load_settings
from cxjourney.storage import connect


def cli(*args: str) -> tuple[int, Any, str]:
    """The command in-process (fast). Returns (exit code, parsed --json output or None, stderr)."""
    from typer.testing import CliRunner

    from cxjourney.cli.main import build

    r = CliRunner().invoke(build(), list(args))
    out = None
    if r.stdout.strip().startswith("{"):
        out = json.loads(r.stdout)
    return r.exit_code, out, r.stderr


def query(ws: Path, sql: str) -> list[tuple[Any, ...]]:
    with connect(load_settings(ws), read_only=True) as st:
        return st.con.execute(sql).fetchall()


EVENTS_CSV = """\
customer,what,when,props
c1,Product Viewed,2026-01-05T10:00:00Z,"{""sku"": ""A""}"
c1,Order Completed,2026-01-05T10:05:00Z,"{""order_id"": ""o1"", ""revenue"": 30}"
c2,Product Viewed,not a date,
,Product Viewed,2026-01-05T11:00:00Z,
c3,Product Viewed,2026-01-05T12:00:00Z,{broken json
c4,,2026-01-05T13:00:00Z,
c5,Ticket Created,2026-01-06 09:00:00,"[1, 2]"
"""
MAP = ["--map", "user_id=customer", "--map", "event=what", "--map", "timestamp=when", "--map", "properties=props"]
EXPECTED_ERRORS = {(4, "timestamp"), (5, "userId"), (6, "properties"), (7, "event"), (8, "properties")}


def _write_formats(tmp: Path) -> dict[str, Path]:
    import pandas as pd

    csv = tmp / "events.csv"
    csv.write_text(EVENTS_CSV)
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    pq = tmp / "events.parquet"
    df.to_parquet(pq, index=False)
    jl = tmp / "events.jsonl.gz"
    with gzip.open(jl, "wt") as fh:
        for rec in df.to_dict(orient="records"):
            fh.write(json.dumps({k: v for k, v in rec.items() if v != ""}) + "\n")
    return {"csv": csv, "parquet": pq, "jsonl": jl}


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_events_import_keeps_valid_rows_and_names_line_field_and_reason(fmt: str, workspace: Path, tmp_path: Path) -> None:
    path = _write_formats(tmp_path)[fmt]
    code, rep, _ = cli("import", "events", str(path), *MAP, "-w", str(workspace), "--json")
    assert code == 0
    assert (rep["accepted"], rep["rejected"]) == (2, 5)
    # CSV lines count the header as line 1; Parquet and JSON Lines count records from 1.
    offset = 0 if fmt == "csv" else -1
    assert {(e["line"], e["field"]) for e in rep["errors"]} == {(line + offset, f) for line, f in EXPECTED_ERRORS}
    assert all(e["message"] for e in rep["errors"])
    bad_ts = next(e for e in rep["errors"] if e["field"] == "timestamp")
    assert bad_ts["value"] == "not a date"
    rows = query(workspace, "SELECT user_id, event, revenue, source FROM events ORDER BY timestamp")
    assert rows == [("c1", "Product Viewed", None, "import"), ("c1", "Order Completed", 30.0, "import")]
    # importing the same file again stores nothing twice
    code, again, _ = cli("import", "events", str(path), *MAP, "-w", str(workspace), "--json")
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert query(workspace, "SELECT count(*) FROM events") == [(2,)]


def test_malformed_json_lines_are_rejected_with_their_line(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "e.jsonl"
    f.write_text('{"user_id": "a", "event": "E", "timestamp": "2026-01-01T00:00:00Z"}\n\n{"user_id": "b", oops}\n[1]\n'
                 '{"user_id": "c", "event": "E", "timestamp": "2026-01-02T00:00:00Z"}\n')
    code, rep, _ = cli("import", "events", str(f), "-w", str(workspace), "--json")
    assert code == 0
    assert (rep["accepted"], rep["rejected"]) == (2, 2)
    assert [e["line"] for e in rep["errors"]] == [3, 4]
    assert "malformed JSON" in rep["errors"][0]["message"]


def test_mapping_errors_stop_before_any_row_is_read(workspace: Path, tmp_path: Path) -> None:
    path = _write_formats(tmp_path)["csv"]
    code, _, err = cli("import", "events", str(path), "--map", "user_id=customer", "--map", "timestamp=whenever", "-w", str(workspace))
    assert code == 2 and "whenever" in err and "the file has: customer, what, when, props" in err
    code, _, err = cli("import", "events", str(path), "--map", "colour=what", "-w", str(workspace))
    assert code == 2 and "unknown field 'colour'" in err
    code, _, err = cli("import", "events", str(tmp_path / "nope.csv"), "-w", str(workspace))
    assert code == 2 and "no such file" in err
    code, _, err = cli("import", "events", str(path).replace(".csv", ".xlsx"), "-w", str(workspace))
    assert code == 2
    assert query(workspace, "SELECT count(*) FROM events") == [(0,)]


ORDERS_CSV = """\
order,customer,date,qty,price
A1,c1,2026-01-02,2,10.00
A1,c1,2026-01-02,1,5.50
A2,,2026-01-03,1,9.99
A3,c2,2026-01-04,x,1.00
C4,c1,2026-01-05,-1,10.00
A5,c3,2026-01-06,3,2.00
"""


def test_orders_from_lines_sum_per_order_and_cancellations_become_refunds(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_text(ORDERS_CSV)
    args = ["import", "orders", str(f), "--map", "order_id=order", "--map", "user_id=customer", "--map", "timestamp=date",
            "--map", "quantity=qty", "--map", "unit_price=price", "-w", str(workspace), "--json"]
    code, rep, _ = cli(*args)
    assert code == 0
    assert (rep["accepted"], rep["rejected"]) == (3, 2)
    assert {(e["line"], e["field"]) for e in rep["errors"]} == {(4, "user_id"), (5, "revenue")}
    assert any("Order Refunded" in n for n in rep["notes"])
    assert query(workspace, "SELECT order_id, person_id, revenue FROM orders ORDER BY order_id") == [
        ("A1", "c1", 25.5), ("A5", "c3", 6.0)]
    assert query(workspace, "SELECT count(*) FROM events WHERE event = 'Order Refunded'") == [(1,)]
    code, again, _ = cli(*args)
    assert (again["accepted"], again["duplicates"]) == (0, 3)


def test_costs_import_validates_and_replaces_the_same_day_and_campaign(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "costs.csv"
    f.write_text("day,campaign,channel,spend,impressions,clicks\n2026-01-01,spring,ads,12.5,1000,20\n"
                 "2026-01-01,spring,email,-3,10,1\n2026-01-02,,ads,1,1,1\n2026-01-02,spring,ads,4,1.5,1\n")
    args = ["import", "costs", str(f), "--map", "date=day", "--map", "cost=spend", "-w", str(workspace), "--json"]
    code, rep, _ = cli(*args)
    assert (rep["accepted"], rep["rejected"]) == (1, 3)
    assert {(e["line"], e["field"]) for e in rep["errors"]} == {(3, "cost"), (4, "campaign"), (5, "impressions")}
    cli(*args)
    assert query(workspace, "SELECT date::VARCHAR, campaign, cost, clicks FROM ad_costs") == [("2026-01-01", "spring", 12.5, 20)]


def test_responses_import_checks_score_ranges_and_links_the_respondent(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "nps.csv"
    f.write_text("rid,email,survey,score,comment,at\nr1,p1,rel-nps,9,great,2026-01-01T10:00:00Z\n"
                 "r2,p2,rel-nps,11,,2026-01-01T11:00:00Z\nr3,p3,rel-nps,0,slow,2026-01-02T11:00:00Z\n")
    args = ["import", "responses", str(f), "--kind", "nps", "--map", "response_id=rid", "--map", "user_id=email",
            "--map", "survey_id=survey", "--map", "timestamp=at", "-w", str(workspace), "--json"]
    code, rep, _ = cli(*args)
    assert (rep["accepted"], rep["rejected"]) == (2, 1)
    assert rep["errors"][0]["field"] == "score" and rep["errors"][0]["line"] == 3
    assert query(workspace, "SELECT response_id, kind, score, person_id FROM responses ORDER BY 1") == [
        ("r1", "nps", 9.0, "p1"), ("r3", "nps", 0.0, "p3")]
    # each response joins the respondent's journey as a 'Survey Responded' event
    assert query(workspace, "SELECT count(*) FROM events WHERE event = 'Survey Responded'") == [(2,)]
    code, again, _ = cli(*args)
    assert (again["accepted"], again["duplicates"]) == (0, 2)


def test_import_as_a_subprocess_prints_the_json_report(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "events.csv"
    f.write_text(EVENTS_CSV)
    r = run_cli("import", "events", str(f), *MAP, "-w", str(workspace), "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert {"accepted", "rejected", "errors"} <= set(rep) and (rep["accepted"], rep["rejected"]) == (2, 5)


# -- real files ---------------------------------------------------------------------------------------------

def test_receipt_process_log_imports_as_events(shared_data: Path, workspace: Path) -> None:
    f = shared_data / "process-mining-logs" / "receipt.csv"
    code, rep, _ = cli("import", "events", str(f), "--map", "user_id=case:concept:name", "--map", "event=concept:name",
                       "--map", "timestamp=time:timestamp", "--map", "properties.resource=org:resource", "-w", str(workspace), "--json")
    assert code == 0
    assert (rep["accepted"], rep["rejected"]) == (8577, 0)  # published: 8,577 events, 1,434 cases
    assert query(workspace, "SELECT count(*), count(DISTINCT person_id), count(DISTINCT event) FROM events") == [(8577, 1434, 27)]
    code, again, _ = cli("import", "events", str(f), "--map", "user_id=case:concept:name", "--map", "event=concept:name",
                         "--map", "timestamp=time:timestamp", "--map", "properties.resource=org:resource", "-w", str(workspace), "--json")
    assert (again["accepted"], again["duplicates"]) == (0, 8577)


def test_cdnow_transactions_import_as_orders_without_an_order_id(shared_data: Path, workspace: Path) -> None:
    import pandas as pd

    f = shared_data / "cdnow" / "cdnow_sample_transactions.csv"
    args = ["import", "orders", str(f), "--map", "user_id=customer_id", "--map", "timestamp=date", "--map", "revenue=amount",
            "--date-format", "%Y%m%d", "-w", str(workspace), "--json"]
    code, rep, _ = cli(*args)
    assert code == 0
    assert (rep["accepted"], rep["rejected"]) == (6919, 0)  # every row is one purchase
    assert any("no order_id column" in n for n in rep["notes"])
    ref = pd.read_csv(f)
    n, persons, revenue = query(workspace, "SELECT count(*), count(DISTINCT person_id), sum(revenue) FROM orders")[0]
    assert (n, persons) == (6919, 2357)
    assert revenue == pytest.approx(ref["amount"].sum(), abs=0.01)
    code, again, _ = cli(*args)
    assert (again["accepted"], again["duplicates"]) == (0, 6919)


def test_online_retail_lines_become_orders_refunds_and_named_rejections(shared_data: Path, workspace: Path, tmp_path: Path) -> None:
    import pandas as pd

    src = shared_data / "online-retail-uci" / "online_retail.csv.gz"
    df = pd.read_csv(src, dtype=str, keep_default_na=False, nrows=40_000)  # the first 40,000 lines keep the test quick
    f = tmp_path / "retail.csv"
    df.to_csv(f, index=False)
    code, rep, _ = cli("import", "orders", str(f), "--map", "order_id=InvoiceNo", "--map", "user_id=CustomerID",
                       "--map", "timestamp=InvoiceDate", "--map", "quantity=Quantity", "--map", "unit_price=UnitPrice",
                       "-w", str(workspace), "--json")
    assert code == 0
    guests = df[df["CustomerID"] == ""]
    known = df[df["CustomerID"] != ""]
    cancelled = known[known["InvoiceNo"].str.startswith("C")]["InvoiceNo"].nunique()
    assert rep["rejected"] == len(guests) > 0
    assert {(e["field"], e["message"]) for e in rep["errors"]} == {("user_id", "missing customer id")}
    assert rep["errors"][0]["line"] == guests.index[0] + 2
    assert rep["accepted"] == known["InvoiceNo"].nunique()
    assert any(f"{cancelled} order(s) with negative revenue stored as 'Order Refunded'" in n for n in rep["notes"])
    totals = known.assign(v=known["Quantity"].astype(float) * known["UnitPrice"].astype(float)).groupby("InvoiceNo")["v"].sum()
    got = dict(query(workspace, "SELECT order_id, revenue FROM orders"))
    assert len(got) == (totals >= 0).sum()
    assert got["536365"] == pytest.approx(totals["536365"], abs=0.01)
    assert query(workspace, "SELECT count(DISTINCT person_id) FROM events") == [(known["CustomerID"].nunique(),)]
    # ids exported as floats (17850.0) are read as the customer 17850
    assert query(workspace, "SELECT count(*) FROM events WHERE person_id = '17850'")[0][0] > 0
