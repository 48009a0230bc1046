"""`cxjourney demo DIR`: creates the workspace, writes the shop, refuses to overwrite without --force."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cxjourney.cli.main import build


def test_demo_command_creates_a_workspace_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    ws = tmp_path / "shop"
    res = runner.invoke(build(), ["demo", str(ws), "--seed", "2", "--customers", "60", "--events", "4000", "--json"])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.stdout)
    assert counts["events"] >= 4000 and counts["customers"] == 60
    # Customer scores come with the demo; 60 customers are too few to fit BG/NBD, and the output says so.
    assert counts["customer_scores"] == 0 and "repeat" in counts["scores_skipped"]
    assert (ws / "cxjourney.toml").exists() and (ws / "journeys" / "online-store.yaml").exists()

    again = runner.invoke(build(), ["demo", str(ws), "--customers", "60", "--events", "4000"])
    assert again.exit_code == 2
    assert "--force" in again.output and "Traceback" not in again.output

    forced = runner.invoke(build(), ["demo", str(ws), "--seed", "2", "--customers", "60", "--events", "4000", "--force", "--json"])
    assert forced.exit_code == 0
    assert json.loads(forced.stdout)["events"] == counts["events"]


def test_demo_command_names_a_bad_start_date(tmp_path):
    res = CliRunner().invoke(build(), ["demo", str(tmp_path / "x"), "--start", "01.05.2026"])
    assert res.exit_code == 2
    assert "--start" in res.output
