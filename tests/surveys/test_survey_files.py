"""Survey files: validation with file/line/field, the demo surveys, the CLI, and importing answers."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cxjourney.cli.main import build
from cxjourney.config import load_settings
from cxjourney.surveys import question_kind_lookup, workspace_check

runner = CliRunner()

BAD = """\
id: broken
name: {en: Broken, pl: Zepsuta}
touchpoint: nowhere
questions:
  - id: nps
    type: nps
    text: {en: How likely}
  - id: nps
    type: text
    text: {en: Why, pl: Dlaczego}
  - id: why
    type: text
    text: {en: Why, pl: Dlaczego}
    show_if: {question: later, max: 6}
  - id: pick
    type: single
    text: {en: Pick, pl: Wybierz}
    choices: [{id: a, text: {en: A, pl: A}}]
"""


def test_demo_surveys_are_valid_and_link_the_journey(workspace: Path) -> None:
    surveys, problems, _ = workspace_check(load_settings(workspace))
    assert problems == []
    assert sorted(s.id for s in surveys) == ["checkout-csat", "delivery-csat", "relationship-nps", "support-ces"]
    r = runner.invoke(build(), ["journeys", "validate", "-w", str(workspace)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(build(), ["surveys", "validate", "-w", str(workspace)])
    assert r.exit_code == 0 and "4 survey(s) valid" in r.output


def test_nps_follow_up_is_asked_of_detractors_only(workspace: Path) -> None:
    surveys, _, _ = workspace_check(load_settings(workspace))
    nps = next(s for s in surveys if s.id == "relationship-nps")
    follow = nps.question("comment")
    assert follow is not None and follow.show_if is not None
    assert [follow.show_if.holds(x) for x in (0, 6, 7, 10)] == [True, True, False, False]


def test_validate_names_file_line_and_field_of_each_problem(workspace: Path) -> None:
    (workspace / "surveys" / "broken.yaml").write_text(BAD, encoding="utf-8")
    r = runner.invoke(build(), ["surveys", "validate", "--json", "-w", str(workspace)])
    assert r.exit_code == 1
    errs = json.loads(r.stdout)["errors"]
    got = {(e["line"], e["field"]) for e in errs}
    f = str(workspace / "surveys" / "broken.yaml")
    assert all(e["file"] == f for e in errs)
    assert (7, "questions[0].text.pl") in got  # a text without Polish
    assert (8, "questions[1].id") in got  # duplicate question id
    assert (14, "questions[2].show_if.question") in got  # follow-up of a question that does not come earlier
    assert (15, "questions[3]") in got or (18, "questions[3].choices") in got  # one choice only
    assert (3, "touchpoint") in got  # no journey has this touchpoint
    r = runner.invoke(build(), ["surveys", "validate", "-w", str(workspace)])
    assert "broken.yaml:3: touchpoint: unknown touchpoint 'nowhere'" in r.output.replace("\n", "")


def test_bad_yaml_is_reported_with_its_line(workspace: Path) -> None:
    (workspace / "surveys" / "bad.yaml").write_text("id: x\nname: {en: a, pl: b\n", encoding="utf-8")
    _, problems, _ = workspace_check(load_settings(workspace))
    assert problems and problems[0]["file"].endswith("bad.yaml") and problems[0]["line"] in (2, 3)


def test_question_kinds_come_from_the_survey_files(workspace: Path) -> None:
    lookup = question_kind_lookup(load_settings(workspace))
    assert lookup("support-ces", "ces") == "ces"
    assert lookup("delivery-csat", "on_time") == "choice"
    assert lookup("relationship-nps", "nope") is None


def test_import_responses_reads_question_kinds_from_surveys(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "answers.csv"
    f.write_text("rid,customer,survey,question,score,when\n"
                 "1,c1,support-ces,ces,6,2026-01-02T10:00:00\n"
                 "2,c2,support-ces,ces,9,2026-01-02T11:00:00\n"
                 "3,c3,other-tool,q1,8,2026-01-02T12:00:00\n", encoding="utf-8")
    maps = ["--map", "response_id=rid", "--map", "user_id=customer", "--map", "survey_id=survey", "--map", "question_id=question",
            "--map", "timestamp=when"]
    r = runner.invoke(build(), ["import", "responses", str(f), "--json", "-w", str(workspace), *maps])
    rep = json.loads(r.stdout)
    assert rep["accepted"] == 1 and rep["rejected"] == 2
    assert {(e["line"], e["field"]) for e in rep["errors"]} == {(3, "score"), (4, "question_id")}
    r = runner.invoke(build(), ["metrics", "ces", "--json", "-w", str(workspace)])
    (row,) = json.loads(r.stdout)["rows"]
    assert row["value"] == 6.0 and row["n"] == 1 and "insufficient_sample" in row["flags"] and row["ci_low"] is None


def test_metrics_cli_prints_rows_with_the_documented_keys(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "nps.jsonl"
    f.write_text("\n".join(json.dumps({"user_id": f"u{i}", "survey_id": "relationship-nps", "question_id": "nps", "score": s,
                                       "touchpoint": "nps_survey", "timestamp": f"2026-0{1 + i % 2}-1{i % 9}T10:00:00"})
                           for i, s in enumerate([10, 9, 3, 8, 10, 0] * 10)), encoding="utf-8")
    r = runner.invoke(build(), ["import", "responses", str(f), "--json", "-w", str(workspace)])
    assert json.loads(r.stdout)["accepted"] == 60, r.output
    r = runner.invoke(build(), ["metrics", "nps", "--by", "touchpoint", "--period", "month", "--json", "-w", str(workspace)])
    out = json.loads(r.stdout)
    assert set(out) == {"rows", "meta"} and len(out["rows"]) == 2
    for row in out["rows"]:
        assert {"touchpoint", "period", "value", "ci_low", "ci_high", "n", "flags", "promoters", "passives", "detractors"} <= set(row)
        assert row["touchpoint"] == "nps_survey" and row["n"] == 30
    r = runner.invoke(build(), ["metrics", "nps", "--by", "stage", "-w", str(workspace)])
    assert r.exit_code == 0 and "advoc" in r.output  # the stage comes from the journey file
    r = runner.invoke(build(), ["metrics", "nps", "--by", "colour", "-w", str(workspace)])
    assert r.exit_code == 2 and "unknown dimension" in r.output


def test_imported_answers_without_touchpoint_get_their_surveys_touchpoint_and_stage(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "ces.csv"
    f.write_text("user_id,survey_id,question_id,score,timestamp\nc1,support-ces,ces,6,2026-01-02T10:00:00\n", encoding="utf-8")
    runner.invoke(build(), ["import", "responses", str(f), "--json", "-w", str(workspace)])
    r = runner.invoke(build(), ["metrics", "ces", "--by", "touchpoint,stage", "--json", "-w", str(workspace)])
    (row,) = json.loads(r.stdout)["rows"]
    assert (row["touchpoint"], row["stage"]) == ("support", "retention")


def test_links_skip_people_any_channel_asked_within_the_fatigue_window(workspace: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    f = tmp_path / "widget-answers.csv"
    f.write_text(f"user_id,survey_id,question_id,score,channel,timestamp\nc1,support-ces,ces,6,widget,{yesterday}\n", encoding="utf-8")
    assert json.loads(runner.invoke(build(), ["import", "responses", str(f), "--json", "-w", str(workspace)]).stdout)["accepted"] == 1
    r = runner.invoke(build(), ["surveys", "link", "relationship-nps", "--person", "c1", "--person", "c2", "--json", "-w", str(workspace)])
    out = json.loads(r.stdout)
    assert r.exit_code == 0 and [x["person"] for x in out["links"]] == ["c2"] and "sig=" in out["links"][0]["url"]
    assert [x["person"] for x in out["skipped"]] == ["c1"] and out["skipped"][0]["last_asked"].startswith(yesterday[:10])
    r = runner.invoke(build(), ["surveys", "link", "relationship-nps", "--person", "c1", "-w", str(workspace)])
    assert r.exit_code == 1 and "skipped c1" in r.output
    r = runner.invoke(build(), ["surveys", "link", "relationship-nps", "--person", "c1", "--force", "-w", str(workspace)])
    assert r.exit_code == 0 and "/s/relationship-nps?u=c1&sig=" in r.output


def test_import_with_kind_reads_foreign_questions_and_rejects_scores_off_the_scale(workspace: Path, tmp_path: Path) -> None:
    f = tmp_path / "old-tool.csv"
    f.write_text("id,email,survey,q,rating,text,when\n"
                 "a1,x@example.com,old-tool,likely,9,Great,2026-10-02 10:00\n"
                 "a2,y@example.com,old-tool,likely,11,,2026-10-02 11:00\n"
                 "a3,z@example.com,old-tool,likely,8.5,,2026-10-03\n"
                 "a4,w@example.com,old-tool,likely,3,<script>alert(1)</script>,2026-10-03\n", encoding="utf-8")
    maps = ["--map", "response_id=id", "--map", "user_id=email", "--map", "survey_id=survey", "--map", "question_id=q",
            "--map", "score=rating", "--map", "comment=text", "--map", "timestamp=when"]
    r = runner.invoke(build(), ["import", "responses", str(f), "--kind", "nps", "--json", "-w", str(workspace), *maps])
    rep = json.loads(r.stdout)
    assert (rep["accepted"], rep["rejected"]) == (2, 2)
    assert [(e["line"], e["field"], e["value"]) for e in rep["errors"]] == [(3, "score", "11"), (4, "score", "8.5")]
    assert "whole number from 0 to 10" in rep["errors"][1]["message"]
    again = json.loads(runner.invoke(build(), ["import", "responses", str(f), "--kind", "nps", "--json", "-w", str(workspace), *maps]).stdout)
    assert (again["accepted"], again["duplicates"]) == (0, 2)  # nothing stored twice
    r = runner.invoke(build(), ["metrics", "nps", "--by", "survey", "--json", "-w", str(workspace)])
    (row,) = json.loads(r.stdout)["rows"]
    assert (row["survey"], row["promoters"], row["detractors"], row["n"]) == ("old-tool", 1, 1, 2)


def test_score_distribution_defaults_to_the_score_question_of_the_survey(workspace: Path, tmp_path: Path) -> None:
    from cxjourney.cli.client import open_client

    f = tmp_path / "ces.csv"
    f.write_text("user_id,survey_id,question_id,score,timestamp\nc1,support-ces,ces,6,2026-01-02T10:00:00\n"
                 "c2,support-ces,ces,2,2026-01-02T11:00:00\n", encoding="utf-8")
    runner.invoke(build(), ["import", "responses", str(f), "--json", "-w", str(workspace)])
    client = open_client(workspace)
    try:
        res = client.run("score_distribution", {"survey": "support-ces"})
        assert res.meta["kind"] == "ces" and [(r["score"], r["count"]) for r in res.rows] == [(2.0, 1), (6.0, 1)]
        assert client.run("score_distribution", {}).meta["kind"] == "nps"
    finally:
        client.close()
