"""The churn classifier on a workspace's own journey data: features as of each cutoff, time split, stored risk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxjourney.config import load_settings
from cxjourney.query import QueryContext, run_query
from cxjourney.storage import connect

NOW = dt.datetime(2025, 1, 1)


def _simulate_events(n: int = 500, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly subscribers: unhappy ones (low NPS, more tickets) stop ordering sooner."""
    rng = np.random.default_rng(seed)
    events, responses = [], []
    start = pd.Timestamp("2024-01-01")
    for i in range(n):
        pid = f"c{i}"
        nps = int(rng.integers(0, 11))
        responses.append((f"r{i}", "q_nps", "s_nps", "nps", float(nps), pid, start + pd.Timedelta(days=3)))
        hazard = 1 / (1 + np.exp(-(-3.0 + 0.45 * (7 - nps))))
        for _ in range(int(rng.poisson(0.4 + 0.5 * (nps < 7) * 2))):
            events.append((pid, "Ticket Created", start + pd.Timedelta(days=int(rng.integers(0, 300))), None))
        for month in range(12):
            if month > 0 and rng.random() < hazard:
                break
            day = start + pd.DateOffset(months=month) + pd.Timedelta(days=int(rng.integers(0, 28)))
            events.append((pid, "Order Completed", day, float(rng.integers(20, 80))))
    ev = pd.DataFrame(events, columns=["person_id", "event", "timestamp", "revenue"])
    ev = ev.sort_values(["timestamp", "person_id"]).reset_index(drop=True)
    ev["seq"] = np.arange(1, len(ev) + 1)
    ev["message_id"] = [f"m{s}" for s in ev["seq"]]
    ev["type"] = "track"
    ev["received_at"] = ev["timestamp"]
    rs = pd.DataFrame(responses, columns=["response_id", "question_id", "survey_id", "kind", "score", "person_id", "timestamp"])
    rs["received_at"] = rs["timestamp"]
    return ev, rs


@pytest.fixture(scope="module")
def churn_workspace(tmp_path_factory) -> Path:
    from cxjourney.workspace import init_workspace

    ws = tmp_path_factory.mktemp("churn") / "ws"
    init_workspace(ws, with_examples=False)
    ev, rs = _simulate_events()
    with connect(load_settings(ws)) as store:
        con = store.con
        con.execute("BEGIN TRANSACTION")
        con.register("_ev", ev)
        con.execute("INSERT INTO events (seq, message_id, type, event, person_id, timestamp, received_at, revenue) "
                    "SELECT seq, message_id, type, event, person_id, timestamp, received_at, revenue FROM _ev")
        con.register("_rs", rs)
        con.execute("INSERT INTO responses (response_id, question_id, survey_id, kind, score, person_id, timestamp, "
                    "received_at) SELECT * FROM _rs")
        con.execute("COMMIT")
    return ws


def test_churn_features_use_only_what_was_known_at_the_cutoff(churn_workspace):
    from cxjourney.models.churn_features import churn_features

    with connect(load_settings(churn_workspace), read_only=True) as store:
        f = churn_features(store, cutoffs=[dt.datetime(2024, 1, 2), dt.datetime(2024, 6, 1)], window_days=60)
    early = f[f["cutoff"] == pd.Timestamp("2024-01-02")]
    assert early["nps_mean"].isna().all()  # the NPS survey was answered on 2024-01-04
    late = f[f["cutoff"] == pd.Timestamp("2024-06-01")]
    assert late["nps_mean"].notna().all() and late["labelled"].all()
    assert (late["recency_days"] >= 0).all() and (late["tenure_days"] >= late["recency_days"]).all()
    assert set(late["churned"].unique()) == {0, 1}


@pytest.mark.parametrize("method", ["logistic", "gradient_boosting"])
def test_churn_model_query_reports_time_split_auc_brier_and_reliability(churn_workspace, method):
    settings = load_settings(churn_workspace)
    with connect(settings, read_only=True) as store:
        res = run_query(QueryContext(store, settings, NOW), "churn_model",
                        {"method": method, "window_days": 60, "n_cutoffs": 6, "step_days": 30})
    m = res.meta
    assert m["split"] > m["cutoffs"][0] and m["n_test"] > 0 and m["n_train"] > m["n_test"]
    assert m["auc"] > 0.75 and m["auc_interval"][0] < m["auc"] < m["auc_interval"][1]
    assert m["brier"] < m["brier_baseline"]
    assert {"recency_days", "nps_mean", "tickets_90d"} <= set(m["features"])
    assert "csat_mean" not in m["features"]  # never observed: left out, not imputed from nothing
    assert sum(r["n"] for r in res.rows) == m["n_test"]


def test_churn_model_refuses_a_workspace_without_enough_history(tmp_path):
    from cxjourney.errors import CXJError
    from cxjourney.workspace import init_workspace

    init_workspace(tmp_path / "ws", with_examples=False)
    settings = load_settings(tmp_path / "ws")
    with connect(settings, read_only=True) as store, pytest.raises(CXJError) as exc:
        run_query(QueryContext(store, settings, NOW), "churn_model", {})
    assert exc.value.status == 422


def test_cli_churn_on_workspace_stores_churn_risk(churn_workspace):
    from cxjourney.cli.main import build

    res = CliRunner().invoke(build(), ["clv", "churn", "-w", str(churn_workspace), "--window-days", "60",
                                       "--store", "--as-of", "2024-12-31", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["auc"] > 0.75 and out["stored"]["customers"] == 500
    with connect(load_settings(churn_workspace), read_only=True) as store:
        got = store.con.execute("SELECT count(*), min(churn_risk), max(churn_risk) FROM customer_scores "
                                "WHERE model = 'churn_logistic'").fetchall()[0]
    assert got[0] == 500 and 0 <= got[1] < got[2] <= 1
