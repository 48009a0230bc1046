"""``cxjourney clv`` on files: JSON shapes, published numbers through the CLI, and exit code 2 with a
message (no traceback) on bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxjourney.cli.clv import app

runner = CliRunner()


def _args(path, *extra):
    return ["--transactions", str(path), "--customer-col", "customer_id", "--date-col", "date",
            "--amount-col", "amount", "--calibration-end", "1997-09-30", "--period", "week", *extra]


def test_clv_fit_json_prints_paper_parameter_names_and_published_values(cdnow_transactions):
    # FHL (2005): BG/NBD r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4 (1% tolerance).
    res = runner.invoke(app, ["fit", *_args(cdnow_transactions, "--model", "bgnbd", "--json")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["model"] == "bgnbd" and out["n_customers"] == 2357
    assert set(out["params"]) == {"r", "alpha", "a", "b"}
    assert out["params"]["r"] == pytest.approx(0.243, rel=0.01)
    assert out["log_likelihood"] == pytest.approx(-9582.4, rel=0.01)
    assert out["returns"]["rows"] == 0


def test_clv_fit_gamma_gamma_and_pareto_json_use_paper_names(cdnow_transactions):
    gg = json.loads(runner.invoke(app, ["fit", *_args(cdnow_transactions, "--model", "gamma_gamma", "--json")]).stdout)
    assert set(gg["params"]) == {"p", "q", "gamma"} and gg["n_customers"] == 946
    assert gg["params"]["p"] == pytest.approx(6.25, rel=0.01)
    pn = json.loads(runner.invoke(app, ["fit", *_args(cdnow_transactions, "--model", "pareto_nbd", "--json")]).stdout)
    assert set(pn["params"]) == {"r", "alpha", "s", "beta"}
    assert pn["log_likelihood"] == pytest.approx(-9595.0, rel=0.01)


def test_clv_predict_json_prints_one_row_per_customer(cdnow_transactions):
    res = runner.invoke(app, ["predict", *_args(cdnow_transactions, "--horizon", "39", "--json")])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 2357
    assert set(rows[0]) == {"customer_id", "frequency", "recency", "T", "expected_purchases", "p_alive",
                            "expected_spend", "clv"}
    first = next(r for r in rows if r["customer_id"] == "0001")
    assert first["expected_purchases"] == pytest.approx(1.226, abs=0.002)  # FHL (2005) example customer
    assert 0 < first["p_alive"] < 1 and first["clv"] > 0
    assert "returns: none in the data" in res.stderr


def test_clv_predict_reports_the_returns_policy(tmp_path, cdnow_transactions):
    text = cdnow_transactions.read_text().splitlines()
    text.append("00004,0001,19970805,1,-14.96")
    f = tmp_path / "with_returns.csv"
    f.write_text("\n".join(text) + "\n")
    res = runner.invoke(app, ["fit", *_args(f, "--json")])
    assert res.exit_code == 2
    assert "negative amounts (returns)" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["predict", *_args(f, "--returns", "drop", "--json")])
    assert res.exit_code == 0 and "1 rows (-14.96) dropped" in res.stderr
    fit = json.loads(runner.invoke(app, ["fit", *_args(f, "--returns", "net", "--json")]).stdout)
    assert fit["returns"] == {"policy": "net", "rows": 1, "amount": -14.96}


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("cust,date,amount\n1,19970101,5\n", [], "column(s) 'customer_id' not found"),
        ("customer_id,date,amount\n1,1997-13-45,5\n", [], "line 2, column 'date': '1997-13-45' is not a date"),
        ("customer_id,date,amount\n1,19970101,abc\n", [], "line 2, column 'amount': 'abc' is not a number"),
        ("customer_id,date,amount\n1,19970101,5\n1,19970201,5\n", [], "needs at least 30 customers"),
    ],
)
def test_clv_fit_bad_input_exits_2_with_a_message(tmp_path, content, extra, message):
    f = tmp_path / "t.csv"
    f.write_text(content)
    res = runner.invoke(app, ["fit", *_args(f, *extra)])
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert "Traceback" not in res.output


def test_clv_validate_writes_table_and_figure(tmp_path, cdnow_transactions):
    fig = tmp_path / "fig.json"
    res = runner.invoke(app, ["validate", *_args(cdnow_transactions, "--holdout-end", "1998-06-30", "--json",
                                                 "--figure", str(fig))])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["totals"]["actual"] == 1882 and len(out["by_period"]) == 39
    assert out["by_period"][-1]["cumulative_actual"] == 1882
    figure = json.loads(fig.read_text())
    assert [t["name"] for t in figure["data"]][:2] == ["actual", "predicted (bgnbd)"]
