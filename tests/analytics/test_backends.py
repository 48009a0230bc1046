"""One suite, two engines: every analytics query runs on DuckDB and on Spark (local mode) over the same
synthetic history and must give identical results; key measures are also checked against plain-Python
references computed from the same rows."""

from __future__ import annotations

import math
from typing import Any

import pytest
from tests.analytics import synth

from cxjourney.query import run_query

FUNNEL = ["Ad Impression", "Product Viewed", "Product Added", "Checkout Started", "Order Completed"]

# (query, params): every measure, by period/segment where it has them.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("sessions_summary", {}),
    ("sessions_summary", {"period": "month", "by": ["channel"], "from": "2024-02-01", "to": "2024-04-30"}),
    ("sessions_summary", {"by": ["channel", "campaign"], "where": ["type=page", "type=track"]}),
    ("funnel", {"steps": FUNNEL, "window": "30d"}),
    ("funnel", {"steps": FUNNEL[:3], "window": "2h", "strict": True, "by": "channel"}),
    ("funnel", {"steps": ["ad", "product", "order"], "window": "14d", "start": "2024-02-01", "end": "2024-03-31"}),
    ("funnel", {"steps": FUNNEL[1:4], "window": "7d", "by": ["channel", "campaign"], "where": {"channel": ["web", "ads"]}}),
    ("paths", {"top": 10}),
    ("paths", {"top": 10, "per_session": True}),
    ("paths", {"top": 5, "label": "touchpoint", "start_at": "product", "steps": 3}),
    ("paths", {"top": 5, "end_at": "Order Completed", "steps": 2}),
    ("transitions", {"label": "stage"}),
    ("retention", {"cohort": "month"}),
    ("retention", {"cohort": "week", "basis": "first_purchase"}),
    ("retention_curve", {"cohort": "month"}),
    ("churn", {"period": "month"}),
    ("churn", {"period": "all", "window_days": 30, "channel": ["ads"]}),
    ("journey_overview", {}),
    ("stage_kpis", {}),
    ("stage_kpis", {"period": "month", "by": "channel"}),
    ("stage_kpis", {"period": "quarter", "by": ["channel", "campaign"], "from": "2024-01-01", "to": "2024-06-30"}),
    ("journey_score", {}),
    ("designed_vs_actual", {}),
]
IDS = [f"{q}-{i}" for i, (q, _) in enumerate(CASES)]


def _first(query: str) -> str:
    """The id of the first case of a query (its plainest parameters)."""
    return next(i for i, (q, _) in zip(IDS, CASES, strict=True) if q == query)


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items() if k not in ("params", "formula")}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def _canon(res: Any) -> Any:
    rows = [_norm(r) for r in res.rows]
    return sorted(rows, key=repr), _norm(res.meta)


@pytest.fixture(scope="module")
def duck_results(duck_ctx: Any) -> dict[str, Any]:
    return {i: run_query(duck_ctx, q, p) for i, (q, p) in zip(IDS, CASES, strict=True)}


@pytest.mark.parametrize("case", IDS)
def test_every_measure_returns_rows_on_duckdb(duck_results: dict[str, Any], case: str) -> None:
    assert duck_results[case].rows, f"{case} returned no rows"


# Spark (slow to start and to plan) runs every query once; the funnel with its 3-step cases (strict,
# touchpoint ids with dates, two breakdown dimensions), the 5-step one only on DuckDB.
SPARK_IDS = [_first(q) for q in dict.fromkeys(q for q, _ in CASES) if q != "funnel"] + \
    [i for i in IDS if i.startswith("funnel")][1:]


@pytest.mark.spark
@pytest.mark.parametrize("case", SPARK_IDS)
def test_spark_gives_the_same_numbers_as_duckdb(spark_ctx: Any, duck_results: dict[str, Any], case: str) -> None:
    q, p = CASES[IDS.index(case)]
    spark = run_query(spark_ctx, q, p)
    assert _canon(spark) == _canon(duck_results[case])


# -- plain-Python references on the same rows --------------------------------------------------------
def test_funnel_counts_match_a_plain_python_funnel(duck_results: dict[str, Any], synth_df: Any) -> None:
    rows = duck_results[_first("funnel")].rows
    expected = synth.ref_funnel(synth_df, FUNNEL, 30 * 86400)
    assert [r["reached"] for r in rows] == expected
    assert expected[0] > expected[-1] > 0  # people who convert and people who don't


def test_path_variants_add_up_and_match_plain_python(duck_results: dict[str, Any], synth_df: Any) -> None:
    res = duck_results[_first("paths")]
    ref = synth.ref_variants(synth_df)
    assert res.meta["total"] == sum(ref.values()) == sum(r["count"] for r in res.rows)
    assert res.meta["n_variants"] == len(ref)
    top = sorted(ref.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(" > ".join(r["path"]), r["count"]) for r in res.rows[:10]] == top
    assert res.rows[-1]["path"] == ["(other)"]


def test_sessions_match_plain_python_sessionisation(duck_results: dict[str, Any], synth_df: Any) -> None:
    ref = synth.ref_sessions(synth_df, 30 * 60)
    got = {r["metric"]: r for r in duck_results[_first("sessions_summary")].rows}
    assert got["visits"]["value"] == ref["sessions"]
    for m in ("bounce_rate", "pages_per_session", "time_on_site"):
        assert got[m]["value"] == pytest.approx(ref[m])
    assert got["bounce_rate"]["ci_low"] < got["bounce_rate"]["value"] < got["bounce_rate"]["ci_high"]


def test_transition_graph_inflow_equals_outflow(duck_ctx: Any) -> None:
    rows = run_query(duck_ctx, "transitions", {}).rows
    nodes = {r["source"] for r in rows} | {r["target"] for r in rows}
    for node in nodes - {"(start)", "(end)"}:
        inflow = sum(r["count"] for r in rows if r["target"] == node)
        outflow = sum(r["count"] for r in rows if r["source"] == node)
        assert inflow == outflow, node
    starts = sum(r["count"] for r in rows if r["source"] == "(start)")
    assert starts == sum(r["count"] for r in rows if r["target"] == "(end)") == 240
