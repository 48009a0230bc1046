"""Every analytics command as a user runs it: `cxjourney init` + `cxjourney demo`, then the CLI with --json
(locally, and through the running server's API when it owns the DuckDB file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

STEPS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]


def cli(*args: str, code: int = 0) -> Any:
    from cxjourney.cli.main import build

    res = CliRunner().invoke(build(), list(args))
    assert res.exit_code == code, res.output
    return res


def cli_json(ws: Path, *args: str) -> Any:
    return json.loads(cli(*args, "--json", "-w", str(ws)).stdout)


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("demo") / "ws"
    cli("init", str(ws))
    cli("demo", str(ws), "--force", "--events", "40000", "--seed", "11")
    return ws


def test_funnel_command_reports_conversion_dropoff_and_intervals(demo_ws: Path) -> None:
    out = cli_json(demo_ws, "funnel", *STEPS, "--window", "7d")
    rows = out["rows"]
    reached = [r["reached"] for r in rows]
    assert [r["step"] for r in rows] == STEPS
    assert reached[0] > reached[-1] > 0 and reached == sorted(reached, reverse=True)
    for prev, r in zip(rows, rows[1:], strict=False):
        assert r["dropoff"] == prev["reached"] - r["reached"]
        assert r["ci_low"] <= r["value"] <= r["ci_high"] and r["n"] == prev["reached"]
    ttc = out["meta"]["time_to_convert"]
    assert ttc["n"] == reached[-1] and sum(h["count"] for h in ttc["histogram"]) == ttc["n"]
    assert ttc["median_s"] <= ttc["p90_s"]
    # What the people who dropped off did next adds up to the drop-off.
    assert sum(x["count"] for x in out["meta"]["dropoff_next"][STEPS[0]]) == rows[1]["dropoff"]


def test_funnel_breakdown_by_two_dimensions_adds_up_to_the_whole(demo_ws: Path) -> None:
    whole = cli_json(demo_ws, "funnel", *STEPS[:2], "--window", "1d")["rows"]
    split = cli_json(demo_ws, "funnel", *STEPS[:2], "--window", "1d", "--by", "channel", "--by", "campaign")["rows"]
    assert {"channel", "campaign"} <= set(split[0])
    for i in (1, 2):
        assert sum(r["reached"] for r in split if r["step_index"] == i) == whole[i - 1]["reached"]


def test_paths_command_prints_variants_that_add_up_to_the_total(demo_ws: Path) -> None:
    for extra in ([], ["--per-session"], ["--label", "stage"], ["--start-at", "Product Added", "--steps", "2"]):
        out = cli_json(demo_ws, "paths", "--variants", "--top", "10", *extra)
        assert set(out) >= {"total", "n_variants", "variants"}
        assert sum(v["count"] for v in out["variants"]) == out["total"] > 0, extra
        assert len(out["variants"]) <= 11 and out["n_variants"] >= len(out["variants"]) - 1
        counts = [v["count"] for v in out["variants"] if v["path"] != ["(other)"]]
        assert counts == sorted(counts, reverse=True)


def test_transition_graph_from_the_cli_balances_at_every_node(demo_ws: Path) -> None:
    rows = cli_json(demo_ws, "paths", "--transitions", "--label", "touchpoint")["rows"]
    for node in {r["target"] for r in rows} - {"(end)"}:
        assert sum(r["count"] for r in rows if r["target"] == node) == sum(r["count"] for r in rows if r["source"] == node)


def test_retention_and_churn_commands(demo_ws: Path) -> None:
    out = cli_json(demo_ws, "retention", "--cohort", "month")
    zero = [r for r in out["rows"] if r["offset"] == 0]
    assert zero and all(r["value"] == 1.0 and r["active"] == r["size"] for r in zero)
    assert all(0 <= r["value"] <= 1 for r in out["rows"])
    curve = out["meta"]["curve"]
    assert curve[0]["n"] == sum(r["size"] for r in zero)  # every cohort has lived through offset 0
    assert [c["cohorts"] for c in curve] == sorted((c["cohorts"] for c in curve), reverse=True)
    weekly = cli_json(demo_ws, "retention", "--cohort", "week", "--basis", "first_purchase", "--max-offset", "4")
    assert weekly["rows"] and max(r["offset"] for r in weekly["rows"]) <= 4
    churn = cli_json(demo_ws, "churn", "--window-days", "30", "--period", "month")["rows"]
    assert churn and all(0 <= r["value"] <= 1 and r["ci_low"] - 1e-9 <= r["value"] <= r["ci_high"] + 1e-9 for r in churn)


def test_sessions_command_splits_visitors_into_new_and_returning(demo_ws: Path) -> None:
    rows = {r["metric"]: r for r in cli_json(demo_ws, "sessions")["rows"]}
    assert rows["visits"]["value"] >= rows["visitors"]["value"] > 0
    assert rows["new_visitors"]["value"] + rows["returning_visitors"]["value"] == rows["visitors"]["value"]
    assert 0 < rows["bounce_rate"]["value"] < 1 and rows["pages_per_session"]["value"] > 1
    by_month = cli_json(demo_ws, "sessions", "--period", "month", "--from", "2026-06-01", "--to", "2026-07-31")["rows"]
    assert {r["period"] for r in by_month} == {"2026-06-01", "2026-07-01"}
    visits = [r["value"] for r in by_month if r["metric"] == "visits"]
    assert sum(visits) <= rows["visits"]["value"]


def test_journey_overview_score_kpis_and_designed_vs_actual(demo_ws: Path) -> None:
    ov = cli_json(demo_ws, "journeys", "overview")
    stages = list(dict.fromkeys(r["stage"] for r in ov["rows"]))
    assert stages == ["awareness", "consideration", "purchase", "retention", "advocacy"]
    conv = [r for r in ov["rows"] if r["metric"] == "stage_conversion"]
    assert len(conv) == 4 and all(r["ci_low"] <= r["value"] <= r["ci_high"] for r in conv)
    score = cli_json(demo_ws, "journeys", "score")["rows"]
    total, parts = score[0], [r for r in score[1:] if r["value"] is not None]
    assert total["stage"] is None and 0 <= total["value"] <= 100
    assert total["value"] == pytest.approx(sum(r["weight"] * r["value"] for r in parts) / sum(r["weight"] for r in parts))
    kpis = cli_json(demo_ws, "journeys", "kpis", "--period", "month", "--by", "channel")["rows"]
    assert {"period", "channel", "metric"} <= set(kpis[0])
    dva = cli_json(demo_ws, "journeys", "designed")["rows"]
    kinds = {r["kind"] for r in dva}
    assert {"in_order", "skipped"} <= kinds and all(0 <= r["value"] <= 1 for r in dva)


def test_where_filters_accept_key_value_lists_and_bad_ones_exit_2(demo_ws: Path) -> None:
    def visits(*where: str) -> int:
        rows = cli_json(demo_ws, "sessions", *[a for w in where for a in ("--where", w)])["rows"]
        return next(r["value"] for r in rows if r["metric"] == "visits")

    everything, web = visits(), visits("channel=web")
    assert everything > web > 0
    assert everything >= visits("channel=web", "channel=ads") > web  # a repeated key means any of its values
    bad = cli("funnel", *STEPS[:2], "--where", "channel", "-w", str(demo_ws), code=2)
    assert "where" in bad.output and "key=value" in bad.output
    bad_by = cli("sessions", "--by", "colour", "-w", str(demo_ws), code=2)
    assert "unknown breakdown 'colour'" in bad_by.output


def test_cli_goes_through_the_server_when_it_owns_the_file_and_api_gives_the_same_numbers(demo_ws: Path) -> None:
    from tests.conftest import start_server

    local = cli_json(demo_ws, "paths", "--top", "5")
    server, th, live = start_server(demo_ws)
    try:
        # Another process: the file is locked by the server, so the CLI asks the server.
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "CXJ_PORT": str(live.settings.port)}
        proc = subprocess.run([sys.executable, "-m", "cxjourney.cli.main", "paths", "--top", "5", "--json", "-w", str(demo_ws)],
                              capture_output=True, text=True, env=env, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        remote = json.loads(proc.stdout)
        with live.client(live.admin_token) as c:
            r = c.get("/api/v1/query/funnel", params=[("steps", STEPS[0]), ("steps", STEPS[1]), ("from", "2026-05-01"),
                                                      ("to", "2026-10-31"), ("where", "channel=web"), ("by", "campaign")])
            assert r.status_code == 200, r.text
            bad = c.post("/api/v1/query", json={"query": "paths", "params": {"where": ["nonsense"]}})
    finally:
        server.should_exit = True
        th.join(timeout=30)
    assert remote["variants"] == local["variants"] and remote["total"] == local["total"]
    body = r.json()
    assert body["rows"] and all("campaign" in row for row in body["rows"])
    assert 400 <= bad.status_code < 500 and bad.json()["errors"][0]["field"] == "where"
