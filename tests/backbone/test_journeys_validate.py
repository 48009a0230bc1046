"""`cxjourney journeys validate`: every problem with file, line and field; exit code 1 when there are any."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cxjourney.workspace import template_dir
from tests.backbone.conftest import run_cli

SURVEYS = ("checkout-csat", "delivery-csat", "support-ces", "relationship-nps")

GOOD = """\
id: shop
version: 1
name: Shop
stages:
  - id: awareness
    name: Awareness
    metrics: [reach, ctr]
    touchpoints:
      - id: ad
        name: Ad
        match: {event: Ad Clicked}
  - id: purchase
    name: {en: Purchase, pl: Zakup}
    touchpoints:
      - id: checkout
        name: Checkout
        match: {event: Order Completed}
        survey: checkout-csat
"""


def _workspace(tmp_path: Path, journeys: dict[str, str], surveys: tuple[str, ...] = ("checkout-csat",)) -> Path:
    ws = tmp_path / "ws"
    (ws / "journeys").mkdir(parents=True)
    (ws / "surveys").mkdir()
    for sid in surveys:  # minimal survey files: the journey check needs only their ids
        (ws / "surveys" / f"{sid}.yaml").write_text(f"id: {sid}\nname: {sid}\n")
    for name, text in journeys.items():
        (ws / "journeys" / name).write_text(text)
    return ws


def _validate(ws: Path) -> tuple[int, list[dict[str, object]], str]:
    """The command in-process (fast); one test below runs it as a real subprocess."""
    from typer.testing import CliRunner

    from cxjourney.cli.main import build

    runner = CliRunner()
    r = runner.invoke(build(), ["journeys", "validate", "--json", "-w", str(ws)])
    body = json.loads(r.stdout)
    plain = runner.invoke(build(), ["journeys", "validate", "-w", str(ws)])
    assert plain.exit_code == r.exit_code
    return r.exit_code, body["errors"], plain.stderr


def test_validate_as_a_subprocess_exits_1_and_prints_file_line_field(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, {"shop.yaml": GOOD.replace("[reach, ctr]", "[reach, happiness]")})
    r = run_cli("journeys", "validate", "-w", str(ws))
    assert r.returncode == 1
    assert "shop.yaml:7: stages[0].metrics[1]: unknown metric 'happiness'" in r.stderr
    ok = run_cli("journeys", "validate", "-w", str(_workspace(tmp_path / "good", {"shop.yaml": GOOD})))
    assert ok.returncode == 0 and "1 journey(s) valid" in ok.stdout


def test_a_valid_journey_validates(tmp_path: Path) -> None:
    code, errors, _ = _validate(_workspace(tmp_path, {"shop.yaml": GOOD}))
    assert (code, errors) == (0, [])


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("metrics: [reach, ctr]", "metrics: [reach, happiness]", 7, "stages[0].metrics[1]", "unknown metric 'happiness'"),
        ("survey: checkout-csat", "survey: no-such-survey", 18, "stages[1].touchpoints[0].survey", "unknown survey 'no-such-survey'"),
        ("      - id: checkout", "      - id: ad", 15, "stages[1].touchpoints[0].id", "duplicate touchpoint id 'ad'"),
        ("  - id: purchase", "  - id: awareness", 12, "stages[1].id", "duplicate stage id 'awareness'"),
        ("match: {event: Ad Clicked}", "match: {path: '^/(unclosed'}", 11, "stages[0].touchpoints[0].match.path", "bad regular expression"),
        ("version: 1\n", "", None, "version", "Field required"),
        ("        name: Ad\n", "", 9, "stages[0].touchpoints[0].name", "Field required"),
        ("version: 1", "version: one", 2, "version", "integer"),
        ("match: {event: Ad Clicked}", "match: {event: Ad Clicked, colour: red}", 11, "stages[0].touchpoints[0].match.colour", "Extra inputs"),
    ],
)
def test_each_problem_names_file_line_and_field(tmp_path: Path, old: str, new: str, line: int | None, field: str, words: str) -> None:
    assert old in GOOD
    ws = _workspace(tmp_path, {"shop.yaml": GOOD.replace(old, new, 1)})
    code, errors, stderr = _validate(ws)
    assert code == 1
    hit = [e for e in errors if e["field"] == field]
    assert hit, errors
    assert words in str(hit[0]["message"])
    assert str(hit[0]["file"]).endswith("shop.yaml")
    if line is not None:
        assert hit[0]["line"] == line
        assert f"shop.yaml:{line}: {field}:" in stderr  # the plain output names them too


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, {"broken.yaml": "id: shop\nstages:\n  - id: a\n   name: [unclosed\n"})
    code, errors, _ = _validate(ws)
    assert code == 1
    assert errors[0]["file"].endswith("broken.yaml") and errors[0]["line"] in (3, 4)
    assert "invalid YAML" in errors[0]["message"]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    two = GOOD.replace("id: shop", "id: shop", 1)  # a second file with the same journey id
    bad = GOOD.replace("id: shop", "id: other").replace("metrics: [reach, ctr]", "metrics: [nope]").replace(
        "survey: checkout-csat", "survey: ghost")
    code, errors, _ = _validate(_workspace(tmp_path, {"a.yaml": GOOD, "b.yaml": two, "c.yaml": bad}))
    assert code == 1
    got = {(Path(str(e["file"])).name, e["field"]) for e in errors}
    assert got == {("b.yaml", "id"), ("c.yaml", "stages[0].metrics[0]"), ("c.yaml", "stages[1].touchpoints[0].survey")}


def test_the_example_journey_validates_with_its_surveys(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, {}, surveys=())
    shutil.copy(template_dir() / "journeys" / "online-store.yaml", ws / "journeys" / "online-store.yaml")
    shipped = template_dir() / "surveys"
    if shipped.is_dir() and any(shipped.glob("*.yaml")):
        for f in shipped.glob("*.yaml"):
            shutil.copy(f, ws / "surveys" / f.name)
    else:  # until the survey package ships its example files, stand-ins with the same ids
        for sid in SURVEYS:
            (ws / "surveys" / f"{sid}.yaml").write_text(f"id: {sid}\nname: {sid}\n")
    code, errors, _ = _validate(ws)
    assert (code, errors) == (0, [])
    # and without the survey files, each linked survey is reported
    for f in (ws / "surveys").glob("*.yaml"):
        f.unlink()
    code, errors, _ = _validate(ws)
    assert code == 1
    assert {e["value"] for e in errors} == set(SURVEYS)
