"""Customer value inside a workspace: CDNOW imported as orders reproduces the published fit through the
CLI and the query layer; refresh stores customer_scores; the schedule and the API refresh them; the drivers
query reads survey responses."""

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

runner = CliRunner()
CAL_END = dt.datetime(1997, 9, 30)


@pytest.fixture(scope="module")
def cdnow_workspace(tmp_path_factory, shared_data) -> Path:
    from cxjourney.ingest.importer import import_file
    from cxjourney.workspace import init_workspace

    ws = tmp_path_factory.mktemp("clv") / "ws"
    init_workspace(ws, with_examples=False)
    raw = pd.read_csv(shared_data / "cdnow" / "cdnow_sample_transactions.csv", dtype=str)
    raw.insert(0, "order_id", [f"o{i}" for i in range(len(raw))])
    f = ws / "cdnow_orders.csv"
    raw.to_csv(f, index=False)
    with connect(load_settings(ws)) as store:
        rep = import_file(store, "orders", f, {"user_id": "customer_id", "timestamp": "date", "revenue": "amount"},
                          date_format="%Y%m%d")
    assert rep.accepted == len(raw)
    return ws


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh, empty workspace (overrides the shared fixture: these tests need no example journeys)."""
    from cxjourney.workspace import init_workspace

    init_workspace(tmp_path / "ws", with_examples=False)
    return tmp_path / "ws"


def _ctx(store, ws, now=CAL_END):
    return QueryContext(store, load_settings(ws), now)


def test_clv_fit_on_workspace_orders_reproduces_fhl_2005(cdnow_workspace):
    # FHL (2005) BG/NBD r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4; 1% tolerance.
    from cxjourney.cli.main import build

    res = runner.invoke(build(), ["clv", "fit", "-w", str(cdnow_workspace), "--calibration-end", "1997-09-30",
                                  "--period", "week", "--model", "bgnbd", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_customers"] == 2357
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert out["params"][k] == pytest.approx(v, rel=0.01)
    assert out["log_likelihood"] == pytest.approx(-9582.4, rel=0.01)


def test_clv_predict_on_workspace_orders_prints_customer_rows(cdnow_workspace):
    from cxjourney.cli.main import build

    res = runner.invoke(build(), ["clv", "predict", "-w", str(cdnow_workspace), "--calibration-end", "1997-09-30",
                                  "--horizon", "39", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 2357 and {"customer_id", "p_alive", "clv"} <= set(rows[0])


def test_refresh_stores_customer_scores_and_queries_read_them(cdnow_workspace):
    from cxjourney.models.workspace import refresh_scores

    with connect(load_settings(cdnow_workspace)) as store:
        out = refresh_scores(store, load_settings(cdnow_workspace), now=CAL_END, horizon=39)
        assert out["customers"] == 2357 and out["model"] == "bgnbd"
        again = refresh_scores(store, load_settings(cdnow_workspace), now=CAL_END, horizon=39)
        n = store.con.execute("SELECT count(*) FROM customer_scores").fetchall()[0][0]
        assert n == 2357 == again["customers"]  # replaced, not appended
        ctx = _ctx(store, cdnow_workspace)
        top = run_query(ctx, "customer_value", {"limit": 5})
        assert len(top.rows) == 5 and top.rows[0]["clv"] >= top.rows[1]["clv"]
        one = run_query(ctx, "customer_value", {"person": "0001"})
        assert len(one.rows) == 1
        assert one.rows[0]["expected_purchases"] == pytest.approx(1.226, abs=0.002)  # FHL (2005) customer
        assert one.rows[0]["churn_risk"] == pytest.approx(1 - one.rows[0]["p_alive"])
        summary = {r["metric"]: r for r in run_query(ctx, "clv_summary", {}).rows}
        assert summary["mean_clv"]["n"] == 2357
        assert summary["mean_clv"]["ci_low"] < summary["mean_clv"]["value"] < summary["mean_clv"]["ci_high"]
        assert 0 < summary["share_at_risk"]["value"] < 1 and summary["share_at_risk"]["flags"] == []


def test_refresh_schedule_follows_clv_refresh_hours(cdnow_workspace):
    from cxjourney.models.workspace import refresh_due, refresh_if_due

    settings = load_settings(cdnow_workspace)
    with connect(settings) as store:
        store.con.execute("DELETE FROM customer_scores")
        assert not refresh_due(store, settings, now=CAL_END)  # 0 = off
        hourly = settings.model_copy(update={"clv_refresh_hours": 24})
        assert refresh_due(store, hourly, now=CAL_END)
        assert refresh_if_due(store, hourly, now=CAL_END)["customers"] == 2357
        assert not refresh_due(store, hourly, now=CAL_END + dt.timedelta(hours=23))
        assert refresh_due(store, hourly, now=CAL_END + dt.timedelta(hours=24))


def test_clv_commands_without_orders_say_so(workspace):
    from cxjourney.cli.main import build

    res = runner.invoke(build(), ["clv", "fit", "-w", str(workspace), "--json"])
    assert res.exit_code == 2 and "no orders" in res.stderr and "Traceback" not in res.output


def test_drivers_query_ranks_touchpoints_by_their_weight_on_nps(workspace):
    rng = np.random.default_rng(5)
    n = 400
    checkout, delivery, support = (rng.integers(1, 6, n).astype(float) for _ in range(3))
    nps = np.clip(np.round(1.2 * checkout + 0.6 * delivery + 0.0 * support - 3 + rng.normal(0, 1.2, n)), 0, 10)
    rows = []
    ts = dt.datetime(2024, 1, 1)
    for i in range(n):
        pid = f"p{i}"
        rows.append((f"r{i}", "q_nps", "s_nps", "nps", nps[i], pid, None))
        for tp, val in (("checkout", checkout[i]), ("delivery", delivery[i]), ("support", support[i])):
            rows.append((f"r{i}-{tp}", "q_csat", f"s_{tp}", "csat", val, pid, tp))
    df = pd.DataFrame(rows, columns=["response_id", "question_id", "survey_id", "kind", "score", "person_id", "touchpoint"])
    df["timestamp"] = ts
    df["received_at"] = ts
    settings = load_settings(workspace)
    with connect(settings) as store:
        store.con.execute("BEGIN TRANSACTION")  # (also completes the result connect() leaves open)
        store.con.register("_r", df)
        store.con.execute("INSERT INTO responses (response_id, question_id, survey_id, kind, score, person_id, touchpoint, "
                          "timestamp, received_at) SELECT * FROM _r")
        store.con.execute("COMMIT")
        res = run_query(_ctx(store, workspace), "drivers", {"n_boot": 50})
    assert [r["driver"] for r in res.rows] == ["csat:checkout", "csat:delivery", "csat:support"]
    assert res.rows[2]["importance"] < 0.02 and res.meta["n"] == n
    assert all(r["ci_low"] <= r["importance"] <= r["ci_high"] for r in res.rows)


def test_api_refresh_without_orders_is_a_422_in_the_one_error_shape(live_server):
    with live_server.client(live_server.admin_token) as c:
        r = c.post("/api/v1/clv/refresh", json={"horizon": 10})
        assert r.status_code == 422
        body = r.json()
        assert body["ok"] is False and "no orders" in body["error"]
        r = c.get("/api/v1/query/customer_value", params={"limit": 3})
        assert r.status_code == 200 and r.json()["rows"] == []


def _simulated_orders(now: dt.datetime, n: int = 200, seed: int = 3) -> list[dict]:
    """A BG/NBD world in weeks: lambda ~ Gamma(0.5, rate 2), p ~ Beta(1, 3), first purchase 20-40 weeks ago."""
    rng = np.random.default_rng(seed)
    batch = []
    for i in range(n):
        lam, p = rng.gamma(0.5, 1 / 2), rng.beta(1, 3)
        nu = rng.gamma(4, 1 / 20)  # Gamma-Gamma: each customer's own spend scale
        age = rng.uniform(20, 40)
        t, times = 0.0, [0.0]
        while True:
            t += rng.exponential(1 / lam)
            if t >= age:
                break
            times.append(t)
            if rng.random() < p:
                break
        for j, w in enumerate(times):
            ts = now - dt.timedelta(weeks=age - w)
            batch.append({"type": "track", "event": "Order Completed", "userId": f"u{i}", "messageId": f"m{i}-{j}",
                          "timestamp": ts.isoformat() + "Z", "properties": {"order_id": f"o{i}-{j}",
                                                                            "revenue": float(rng.gamma(6, 1 / nu))}})
    return batch


def test_api_refresh_scores_orders_sent_to_the_collection_api(live_server):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    batch = _simulated_orders(now)
    with live_server.client() as c:
        for k in range(0, len(batch), 200):
            r = c.post("/v1/batch", json={"batch": batch[k:k + 200], "writeKey": live_server.write_key})
            assert r.status_code == 200, r.text
    with live_server.client(live_server.admin_token) as c:
        r = c.post("/api/v1/clv/refresh", json={"horizon": 26})
        assert r.status_code == 200, r.text
        assert r.json()["customers"] == 200 and r.json()["model"] == "bgnbd"
        summary = c.get("/api/v1/clv/summary").json()
        assert {row["metric"] for row in summary["rows"]} >= {"mean_clv", "share_at_risk"}
        agent = c.post("/api/v1/admin/keys", json={"kind": "token", "role": "agent", "name": "agent"}).json()["secret"]
    with live_server.client(agent) as c:
        one = c.get("/api/v1/clv/customers/u0").json()
        assert len(one["rows"]) == 1 and 0 <= one["rows"][0]["p_alive"] <= 1
        assert c.get("/api/v1/clv/summary").status_code == 403
    # While the server holds the file, the CLI (another process) goes through it.
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[2] / "src")
    proc = subprocess.run([sys.executable, "-m", "cxjourney.cli.main", "clv", "fit", "-w",
                           str(live_server.settings.workspace), "--json"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": src, "CXJ_PORT": str(live_server.settings.port)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n_customers"] == 200
