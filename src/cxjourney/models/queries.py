"""Queries of the customer-value domain (registered in the query layer).

- ``clv_fit``: fit a model on the workspace's orders now (parameters, errors, intervals, log-likelihood).
- ``clv_predict``: score every customer from the workspace's orders now (not stored).
- ``customer_value``: the stored per-customer scores (``customer_scores``), optionally for one person.
- ``clv_summary``: the stored scores summed up (customers, mean/total CLV, share at risk) with intervals.
- ``drivers``: key-driver analysis of survey responses: which touchpoint scores drive NPS.
- ``churn_model``: churn classifier on journey features with a time-based holdout (AUC, Brier, reliability).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from cxjourney.errors import InsufficientData
from cxjourney.metrics.stats import flags_for, rate_row, z_value
from cxjourney.query.registry import QueryContext, Result, register


def settle(store: Any) -> None:
    """Finish any result another caller left half-fetched on the shared DuckDB connection (DuckDB 2 refuses
    new relations while a ``fetchone()`` result is pending, e.g. after a token lookup)."""
    store.con.execute("SELECT 1").fetchall()


def _num(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _num(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


class LiveParams(BaseModel):
    model: Literal["bgnbd", "pareto_nbd", "gamma_gamma"] = Field(default="bgnbd", description="Model to fit.")
    period: Literal["day", "week", "month"] = "week"
    calibration_end: str | None = Field(default=None, description="Last calibration day (default: today).")
    returns: Literal["drop", "net"] | None = Field(default="net", description="Handling of negative revenue.")


def _rfm(ctx: QueryContext, params: LiveParams) -> Any:
    from cxjourney.models.rfm import rfm_summary
    from cxjourney.models.workspace import naive_utc, workspace_transactions

    settle(ctx.store)
    tx = workspace_transactions(ctx.store)
    end = params.calibration_end or naive_utc(ctx.now).normalize()
    return rfm_summary(tx, calibration_end=end, period=params.period, returns=params.returns)


@register("clv_fit", LiveParams, summary="Fit BG/NBD, Pareto/NBD or Gamma-Gamma on the workspace's orders.")
def clv_fit(ctx: QueryContext, params: LiveParams) -> Result:
    from cxjourney.models import TRANSACTION_MODELS, GammaGamma

    rfm = _rfm(ctx, params)
    cls = GammaGamma if params.model == "gamma_gamma" else TRANSACTION_MODELS[params.model]
    m = cls(confidence=ctx.settings.confidence).fit(rfm.summary)
    d = m.to_dict()
    rows = [{"param": k, "value": v, "se": d["standard_errors"][k], "ci_low": d["intervals"][k][0],
             "ci_high": d["intervals"][k][1]} for k, v in d["params"].items()]
    meta = {k: d[k] for k in ("model", "params", "log_likelihood", "n_customers", "flags", "confidence")}
    meta.update(calibration_end=str(rfm.calibration_end.date()), period=rfm.period, returns=rfm.notes["returns"])
    return Result(rows=[{k: _num(v) for k, v in r.items()} for r in rows], meta=_clean(meta))


class PredictParams(LiveParams):
    model: Literal["bgnbd", "pareto_nbd"] = Field(default="bgnbd", description="Purchase model (spend: Gamma-Gamma).")  # type: ignore[assignment]
    horizon: float = Field(default=39, gt=0, description="Horizon in periods.")
    discount_rate: float = Field(default=0.0, ge=0, lt=10, description="Annual discount rate for CLV.")


@register("clv_predict", PredictParams, summary="Score every customer from the workspace's orders (not stored).")
def clv_predict(ctx: QueryContext, params: PredictParams) -> Result:
    from cxjourney.models.clv import customer_value as score

    rfm = _rfm(ctx, params)
    cv = score(rfm, model=params.model, horizon=params.horizon, discount_rate=params.discount_rate,
               confidence=ctx.settings.confidence)
    meta = dict(cv.meta, returns=rfm.notes["returns"], calibration_end=str(rfm.calibration_end.date()),
                params=cv.purchase_model.params_,
                spend_params=cv.spend_model.params_ if cv.spend_model else None)
    return Result(rows=_records(cv.table), meta=_clean(meta))


class ScoresParams(BaseModel):
    person: str | None = Field(default=None, description="One person (any id or e-mail); default: everyone.")
    model: str | None = Field(default=None, description="Only scores of this model.")
    limit: int = Field(default=1000, ge=1, le=1_000_000)


@register("customer_value", ScoresParams, summary="Stored per-customer CLV, P(alive) and churn risk.")
def customer_value_query(ctx: QueryContext, params: ScoresParams) -> Result:
    settle(ctx.store)
    t = ctx.store.table("customer_scores")
    pid = None
    if params.person is not None:
        from cxjourney.query.core_queries import resolve_person

        pid = resolve_person(ctx.store, params.person) or params.person
        t = t.filter(t.person_id == pid)
    if params.model:
        t = t.filter(t.model == params.model)
    df = t.order_by([t.clv.desc(), t.person_id]).limit(params.limit).execute()
    return Result(rows=_records(df), meta={"n": len(df), "person_id": pid})


class SummaryParams(BaseModel):
    model: str | None = Field(default=None, description="Model whose stored scores to summarise (default: all).")
    at_risk_below: float = Field(default=0.5, gt=0, lt=1, description="P(alive) below this counts as at risk.")


@register("clv_summary", SummaryParams, summary="Stored customer scores summed up, with intervals.")
def clv_summary(ctx: QueryContext, params: SummaryParams) -> Result:
    settle(ctx.store)
    t = ctx.store.table("customer_scores")
    if params.model:
        t = t.filter(t.model == params.model)
    df = t.group_by("model").aggregate(
        n=t.count(), mean_clv=t.clv.mean(), sd_clv=t.clv.std(), total_clv=t.clv.sum(),
        mean_p_alive=t.p_alive.mean(), at_risk=(t.p_alive < params.at_risk_below).cast("int64").sum(),
        expected_purchases=t.expected_purchases.sum(), computed_at=t.computed_at.max(),
    ).order_by("model").execute()
    rows: list[dict[str, Any]] = []
    z = z_value(ctx.settings.confidence)
    for r in df.to_dict(orient="records"):
        n = int(r["n"])
        half = z * float(r["sd_clv"]) / math.sqrt(n) if n > 1 and r["sd_clv"] == r["sd_clv"] else float("nan")
        common = {"model": r["model"], "computed_at": _num(pd.Timestamp(r["computed_at"]))}
        rows.append({**common, "metric": "mean_clv", "value": _num(r["mean_clv"]), "ci_low": _num(r["mean_clv"] - half),
                     "ci_high": _num(r["mean_clv"] + half), "n": n, "flags": flags_for(n, ctx.settings.min_sample)})
        rows.append({**common, "metric": "total_clv", "value": _num(r["total_clv"]), "ci_low": _num(n * (r["mean_clv"] - half)),
                     "ci_high": _num(n * (r["mean_clv"] + half)), "n": n, "flags": flags_for(n, ctx.settings.min_sample)})
        rows.append({**common, **rate_row(int(r["at_risk"]), n, min_sample=ctx.settings.min_sample,
                                          confidence=ctx.settings.confidence), "metric": "share_at_risk"})
        rows.append({**common, "metric": "expected_purchases", "value": _num(r["expected_purchases"]), "ci_low": None,
                     "ci_high": None, "n": n, "flags": flags_for(n, ctx.settings.min_sample)})
    return Result(rows=rows, meta={"at_risk_below": params.at_risk_below, "confidence": ctx.settings.confidence,
                                   "interval": "normal approximation of the mean CLV; Wilson for the share"})


class DriversParams(BaseModel):
    outcome_kind: str = Field(default="nps", description="Response kind of the outcome (nps, rating, ...).")
    outcome_question: str | None = Field(default=None, description="Use this question id as the outcome instead.")
    driver_kinds: list[str] = Field(default_factory=lambda: ["csat", "ces"], description="Kinds used as drivers.")
    unit: Literal["person", "response"] = Field(
        default="person", description="Join outcome and drivers per person (mean scores) or per survey response.")
    journey: str | None = None
    method: Literal["auto", "shapley", "relative_weights"] = "auto"
    n_boot: int = Field(default=200, ge=0, le=2000)
    seed: int = 0


def drivers_frame(ctx: QueryContext, params: DriversParams) -> tuple[pd.DataFrame, str]:
    """One row per unit: the outcome column and one column per driver ``kind:touchpoint``."""
    r = ctx.store.table("responses")
    r = r.filter(r.score.notnull())
    if params.journey:
        r = r.filter(r.journey == params.journey)
    unit = "person_id" if params.unit == "person" else "response_id"
    r = r.filter(r[unit].notnull())
    is_outcome = (r.question_id == params.outcome_question) if params.outcome_question else (r.kind == params.outcome_kind)
    label = (r.kind + ":" + r.touchpoint.fill_null(r.question_id))
    rows = r.filter(is_outcome | r.kind.isin(params.driver_kinds)).mutate(
        column=is_outcome.ifelse("__outcome__", label))
    long = rows.group_by([unit, "column"]).aggregate(score=rows.score.mean()).execute()
    wide = long.pivot(index=unit, columns="column", values="score")
    outcome = "__outcome__"
    if outcome not in wide.columns:
        raise InsufficientData(f"no {params.outcome_question or params.outcome_kind!r} responses to use as the outcome")
    return wide.rename(columns={outcome: "outcome"}), "outcome"


@register("drivers", DriversParams, summary="Key drivers of NPS: relative importance of touchpoint scores.")
def drivers_query(ctx: QueryContext, params: DriversParams) -> Result:
    from cxjourney.models.drivers import key_drivers

    settle(ctx.store)
    wide, outcome = drivers_frame(ctx, params)
    res = key_drivers(wide.reset_index(drop=True), outcome=outcome, method=params.method, n_boot=params.n_boot,
                      confidence=ctx.settings.confidence, seed=params.seed, min_rows=ctx.settings.min_sample)
    rows = [{**{k: _num(v) for k, v in rec.items()}, "value": _num(rec["importance"]), "n": res.n_, "flags": []}
            for rec in res.table.to_dict(orient="records")]
    meta = {"method": res.method, "r2": res.r2_, "n": res.n_, "unit": params.unit,
            "outcome": params.outcome_question or params.outcome_kind, **res.meta}
    meta["outcome"] = params.outcome_question or params.outcome_kind
    return Result(rows=rows, meta=_clean(meta))


class ChurnParams(BaseModel):
    method: Literal["logistic", "gradient_boosting"] = "logistic"
    window_days: int | None = Field(default=None, ge=1, description="Churn window (default: churn_window_days).")
    n_cutoffs: int = Field(default=6, ge=2, le=60, description="Labelled cutoffs used for training and holdout.")
    step_days: int = Field(default=30, ge=1, description="Days between cutoffs.")
    activity_event: str = Field(default="Order Completed", description="Event whose absence means churn.")
    test_fraction: float = Field(default=0.25, gt=0, lt=1)


def fit_workspace_churn(ctx: QueryContext, params: ChurnParams) -> tuple[Any, pd.DataFrame]:
    from cxjourney.models.churn import ChurnClassifier
    from cxjourney.models.churn_features import FEATURES, churn_features, default_cutoffs

    window = params.window_days or ctx.settings.churn_window_days
    cutoffs = default_cutoffs(ctx.store, window_days=window, n_cutoffs=params.n_cutoffs, step_days=params.step_days)
    frame = churn_features(ctx.store, cutoffs=cutoffs, window_days=window, activity_event=params.activity_event)
    labelled = frame[frame["labelled"]]
    feats = [f for f in FEATURES if labelled[f].notna().any()]
    clf = ChurnClassifier(method=params.method, features=feats, test_fraction=params.test_fraction,
                          min_rows=ctx.settings.min_sample, confidence=ctx.settings.confidence)
    clf.fit(labelled.drop(columns=["person_id", "labelled"]), label="churned", time_col="cutoff")
    clf.meta_.update(window_days=window, cutoffs=[str(pd.Timestamp(c).date()) for c in cutoffs],
                     activity_event=params.activity_event)
    return clf, frame


@register("churn_model", ChurnParams, summary="Churn classifier on journey features: time-split AUC, Brier, reliability.")
def churn_model(ctx: QueryContext, params: ChurnParams) -> Result:
    settle(ctx.store)
    clf, _ = fit_workspace_churn(ctx, params)
    out = clf.to_dict()
    rows = out.pop("reliability")
    return Result(rows=[{k: _num(v) for k, v in r.items()} for r in rows], meta=_clean(out))


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return _num(obj)
