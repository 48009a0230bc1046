"""The `cxjourney text` commands, run through the real CLI app."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxjourney.cli.main import build

DATA = Path(__file__).parent / "data"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(build(), ["text", *args])


def test_sentiment_of_one_text_as_json(tmp_path):
    res = run("sentiment", "--text", "Kurier był niemiły i spóźniony.", "-w", str(tmp_path), "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["rows"]
    assert rows == [{"text": "Kurier był niemiły i spóźniony.", "language": "pl", "score": rows[0]["score"],
                     "label": "negative"}]
    assert -1 <= rows[0]["score"] < 0


def test_sentiment_of_a_csv_and_a_plain_text_file(tmp_path):
    csv_file = tmp_path / "c.csv"
    csv_file.write_text('id,text\n1,"Great app, love it"\n2,"Nie polecam, obsługa fatalna"\n3,""\n', encoding="utf-8")
    txt = tmp_path / "c.txt"
    txt.write_text("Dostawa ekspresowa, dzięki!\n\nThe parcel never arrived.\n", encoding="utf-8")
    for f, expected in ((csv_file, [("en", "positive"), ("pl", "negative")]),
                        (txt, [("pl", "positive"), ("en", "negative")])):
        res = run("sentiment", str(f), "-w", str(tmp_path), "--json")
        assert res.exit_code == 0, res.output
        assert [(r["language"], r["label"]) for r in json.loads(res.stdout)["rows"]] == expected


def test_sentiment_masks_pii_in_what_it_prints(tmp_path):
    res = run("sentiment", "--text", "Oddzwońcie na 601 234 567, fatalna obsługa", "-w", str(tmp_path), "--json")
    assert json.loads(res.stdout)["rows"][0]["text"] == "Oddzwońcie na [PHONE], fatalna obsługa"


def test_user_mistakes_exit_2_with_a_message(tmp_path):
    res = run("sentiment", str(tmp_path / "missing.csv"), "-w", str(tmp_path))
    assert res.exit_code == 2 and "no such file" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("comment\nhello\n", encoding="utf-8")
    res = run("sentiment", str(bad), "-w", str(tmp_path))
    assert res.exit_code == 2 and "'text' column" in res.output
    res = run("sentiment", "--text", "x", "--language", "de", "-w", str(tmp_path))
    assert res.exit_code == 2 and "pl or en" in res.output


def test_train_stores_a_model_that_then_replaces_the_lexicon(text_workspace):
    ws = str(text_workspace)
    labelled = text_workspace / "labelled.csv"
    rows = (DATA / "heldout_a_pl.csv").read_text(encoding="utf-8").splitlines()
    labelled.write_text("\n".join(rows[:141]) + "\n", encoding="utf-8")
    res = run("train", "--labelled", str(labelled), "-w", ws, "--json")
    assert res.exit_code == 0, res.output
    ev = json.loads(res.stdout)
    held = ev["held_out"]
    assert ev["n_rows"] == 140 and ev["n_test"] == 35
    assert set(held["confusion"]) == {"negative", "neutral", "positive"}
    assert sum(sum(v.values()) for v in held["confusion"].values()) == 35
    assert held["accuracy"] > 0.5 and held["macro_f1"] is not None
    assert (text_workspace / "models" / "sentiment.joblib").exists()
    stored = json.loads((text_workspace / "models" / "sentiment-evaluation.json").read_text(encoding="utf-8"))
    assert stored["held_out"] == held
    res = run("sentiment", "--text", "Paczka uszkodzona, nie polecam", "-w", ws, "--json")
    out = json.loads(res.stdout)
    assert out["meta"]["analyzer"] == "trained-v1" and out["rows"][0]["label"] == "negative"
    lex = json.loads(run("sentiment", "--text", "ok", "--backend", "lexicon", "-w", ws, "--json").stdout)
    assert lex["meta"]["analyzer"] == "lexicon-v1"


def test_train_refuses_too_few_or_invalid_labels(tmp_path):
    few = tmp_path / "few.csv"
    few.write_text("text,label\ngood,positive\nbad,negative\n", encoding="utf-8")
    res = run("train", "--labelled", str(few), "-w", str(tmp_path))
    assert res.exit_code == 2 and "at least 20" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\ngood,great\n", encoding="utf-8")
    res = run("train", "--labelled", str(bad), "-w", str(tmp_path))
    assert res.exit_code == 2 and "line 2" in res.output and "label" in res.output


def test_evaluate_reports_per_language_with_both_polarity_readings(tmp_path):
    labelled = tmp_path / "mixed.csv"
    pl = (DATA / "heldout_a_pl.csv").read_text(encoding="utf-8").splitlines()
    en = (DATA / "heldout_a_en.csv").read_text(encoding="utf-8").splitlines()
    labelled.write_text("\n".join(pl[:41] + en[1:41]) + "\n", encoding="utf-8")
    res = run("evaluate", "--labelled", str(labelled), "--backend", "lexicon", "-w", str(tmp_path), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["analyzer"] == "lexicon-v1" and out["pl"]["n"] == 40 and out["en"]["n"] == 40 and out["all"]["n"] == 80
    for key in ("accuracy", "macro_f1", "polarity_accuracy", "sign_accuracy"):
        assert 0 < out["all"][key] <= 1


@pytest.mark.parametrize("cmd", [["themes", "--k", "4"], ["pain-points", "--k", "4"], ["curve"],
                                 ["search", "zwrot"]])
def test_read_commands_answer_from_the_workspace(comments_workspace, cmd):
    res = run(*cmd, "-w", str(comments_workspace), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows"]


def test_analyze_recomputes_comment_analysis(comments_workspace, tmp_path):
    import shutil

    ws = tmp_path / "copy"
    shutil.copytree(comments_workspace, ws)
    res = run("analyze", "-w", str(ws), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["analyzed"] > 400 and out["themes"] >= 1 and set(out["languages"]) == {"pl", "en"}
    again = json.loads(run("analyze", "--only-new", "-w", str(ws), "--json").stdout)
    assert again["analyzed"] == 0
