"""Customer value inside a workspace: read its orders, score every customer, store ``customer_scores``.

Orders come from the ``orders`` view (track 'Order Completed' events, imported orders included), read
through Ibis. ``refresh_scores`` replaces the rows of the chosen model in ``customer_scores`` in one
transaction; ``refresh_due`` says whether the ``clv_refresh_hours`` schedule asks for a new run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from cxjourney.errors import InsufficientData
from cxjourney.models.clv import CustomerValue, customer_value
from cxjourney.models.rfm import clean_transactions, rfm_summary


def naive_utc(moment: Any) -> pd.Timestamp:
    ts = pd.Timestamp(moment)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def workspace_transactions(store: Any) -> pd.DataFrame:
    """``customer_id, date, amount, line`` from the store's ``orders`` view (one row per order)."""
    store.con.execute("SELECT 1").fetchall()  # finish a result another caller left pending (DuckDB 2)
    orders = store.table("orders").select("person_id", "timestamp", "revenue", "seq").order_by(["timestamp", "seq"])
    raw = orders.to_pandas()
    if raw.empty:
        raise InsufficientData("the workspace has no orders ('Order Completed' events or imported orders) to model")
    return clean_transactions(raw, customer_col="person_id", date_col="timestamp", amount_col="revenue",
                              source="workspace orders")


def score_workspace(
    store: Any, settings: Any, *, now: dt.datetime, model: str = "bgnbd", horizon: float = 52,
    period: str = "week", discount_rate: float = 0.0, returns: str | None = "net",
) -> CustomerValue:
    tx = workspace_transactions(store)
    rfm = rfm_summary(tx, calibration_end=naive_utc(now).normalize(), period=period, returns=returns)  # type: ignore[arg-type]
    cv = customer_value(rfm, model=model, horizon=horizon, discount_rate=discount_rate, confidence=settings.confidence)
    cv.meta["returns"] = rfm.notes["returns"]
    return cv


def refresh_scores(
    store: Any, settings: Any, *, now: dt.datetime, model: str = "bgnbd", horizon: float = 52,
    period: str = "week", discount_rate: float = 0.0,
) -> dict[str, Any]:
    """Recompute and store every customer's scores; returns a summary of what was written."""
    cv = score_workspace(store, settings, now=now, model=model, horizon=horizon, period=period,
                         discount_rate=discount_rate)
    t = cv.table
    rows = pd.DataFrame({
        "person_id": t["customer_id"].astype(str),
        "computed_at": naive_utc(now),
        "model": cv.purchase_model.name,
        "horizon": float(horizon),
        "frequency": t["frequency"], "recency": t["recency"], "T": t["T"],
        "expected_purchases": t["expected_purchases"], "p_alive": t["p_alive"],
        "expected_spend": t["expected_spend"], "clv": t["clv"],
        "churn_risk": 1.0 - t["p_alive"],
    })
    with store.lock:
        con = store.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM customer_scores WHERE model = ?", [cv.purchase_model.name])
            con.register("_clv_rows", rows)
            con.execute(
                "INSERT INTO customer_scores (person_id, computed_at, model, horizon, frequency, recency, T, "
                "expected_purchases, p_alive, expected_spend, clv, churn_risk) SELECT person_id, computed_at, model, "
                "horizon, frequency, recency, T, expected_purchases, p_alive, expected_spend, clv, churn_risk FROM _clv_rows"
            )
            con.unregister("_clv_rows")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return {
        "model": cv.purchase_model.name, "customers": int(len(rows)), "computed_at": str(rows["computed_at"].iloc[0]),
        "params": cv.purchase_model.params_, "spend_params": cv.spend_model.params_ if cv.spend_model else None,
        "horizon": horizon, "period": period, "returns": cv.meta.get("returns"),
        "total_clv": float(np.nansum(rows["clv"])), "flags": cv.meta["flags"],
    }


def last_refresh(store: Any) -> dt.datetime | None:
    store.con.execute("SELECT 1").fetchall()  # finish a result another caller left pending (DuckDB 2)
    t = store.table("customer_scores")
    value = t.aggregate(last=t.computed_at.max()).to_pandas()["last"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def refresh_due(store: Any, settings: Any, *, now: dt.datetime) -> bool:
    """True when ``clv_refresh_hours`` > 0 and the newest stored score is older than that (or absent)."""
    hours = float(getattr(settings, "clv_refresh_hours", 0) or 0)
    if hours <= 0:
        return False
    last = last_refresh(store)
    return last is None or (naive_utc(now) - pd.Timestamp(last)) >= pd.Timedelta(hours=hours)


def refresh_if_due(store: Any, settings: Any, *, now: dt.datetime) -> dict[str, Any] | None:
    """Run :func:`refresh_scores` when the schedule says so (the server calls this periodically)."""
    if not refresh_due(store, settings, now=now):
        return None
    try:
        return refresh_scores(store, settings, now=now)
    except InsufficientData as exc:
        return {"skipped": exc.message}


def store_churn_scores(store: Any, clf: Any, *, now: dt.datetime, window_days: int,
                       activity_event: str = "Order Completed") -> dict[str, Any]:
    """Score every customer with a fitted churn classifier as of ``now`` and store ``churn_risk`` rows
    (model ``churn_<method>``) in ``customer_scores``."""
    from cxjourney.models.churn_features import churn_features

    frame = churn_features(store, cutoffs=[naive_utc(now)], window_days=window_days, activity_event=activity_event)
    model = f"churn_{clf.method}"
    rows = pd.DataFrame({"person_id": frame["person_id"].astype(str), "computed_at": naive_utc(now), "model": model,
                         "horizon": float(window_days), "churn_risk": clf.predict_proba(frame)})
    with store.lock:
        con = store.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM customer_scores WHERE model = ?", [model])
            con.register("_churn_rows", rows)
            con.execute("INSERT INTO customer_scores (person_id, computed_at, model, horizon, churn_risk) "
                        "SELECT person_id, computed_at, model, horizon, churn_risk FROM _churn_rows")
            con.unregister("_churn_rows")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return {"model": model, "customers": int(len(rows)), "mean_churn_risk": float(rows["churn_risk"].mean())}
