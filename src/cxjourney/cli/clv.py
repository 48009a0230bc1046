"""``cxjourney clv``: fit customer-base models, score customers, validate on a holdout, refresh stored scores.

Every command reads transactions from ``--transactions FILE`` or, without it, from the workspace's
``orders`` view. User mistakes print a message naming the problem and exit 2 (no traceback).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from cxjourney.cli.common import handle_errors

app = typer.Typer(help="Customer value and risk: BG/NBD, Pareto/NBD, Gamma-Gamma, CLV, holdout validation.",
                  no_args_is_help=True)


class ModelName(StrEnum):
    bgnbd = "bgnbd"
    pareto_nbd = "pareto_nbd"
    gamma_gamma = "gamma_gamma"


class PurchaseModelName(StrEnum):
    bgnbd = "bgnbd"
    pareto_nbd = "pareto_nbd"


class PeriodName(StrEnum):
    day = "day"
    week = "week"
    month = "month"


class Returns(StrEnum):
    drop = "drop"
    net = "net"


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):
        return _clean(obj.tolist())
    return obj


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(_clean(obj), ensure_ascii=False, default=str) + "\n")


WorkspaceOpt = typer.Option(Path("."), "--workspace", "-w", help="Workspace directory.")
TransactionsOpt = typer.Option(None, "--transactions", help="CSV/Parquet/JSONL of transactions (default: the workspace's orders).")
CustomerOpt = typer.Option("customer_id", "--customer-col", help="Column holding the customer id.")
DateOpt = typer.Option("date", "--date-col", help="Column holding the purchase date or timestamp.")
AmountOpt = typer.Option("amount", "--amount-col", help="Column holding the amount (or the unit price, with --quantity-col).")
QuantityOpt = typer.Option(None, "--quantity-col", help="Column holding a quantity: amount = amount-col x quantity-col.")
DateFormatOpt = typer.Option(None, "--date-format", help="strptime format of the dates (default: YYYYMMDD or ISO 8601).")
CalEndOpt = typer.Option(None, "--calibration-end", help="Last day of the calibration period (default: last purchase day, or today for the workspace).")
HoldoutOpt = typer.Option(None, "--holdout-end", help="Last day of an optional holdout period.")
PeriodOpt = typer.Option(PeriodName.week, "--period", help="Time unit of recency, T and the horizon.")
ReturnsOpt = typer.Option(None, "--returns", help="How to treat negative amounts: drop them, or net them against spend.")
JsonOpt = typer.Option(False, "--json", help="Print JSON.")


def load_rfm(workspace: Path, transactions: Path | None, customer_col: str, date_col: str, amount_col: str,
             date_format: str | None, calibration_end: str | None, holdout_end: str | None, period: str,
             returns: str | None, quantity_col: str | None = None) -> Any:
    from cxjourney.models.rfm import read_transactions, rfm_summary

    if transactions is not None:
        tx = read_transactions(transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
                               date_format=date_format, quantity_col=quantity_col)
        default_end: Any = tx["date"].max() if len(tx) else None
    else:
        from cxjourney.config import load_settings
        from cxjourney.models.workspace import workspace_transactions
        from cxjourney.storage import connect

        with connect(load_settings(workspace), read_only=True) as store:  # needs the file (server stopped)
            tx = workspace_transactions(store)
        default_end = dt.datetime.now(dt.UTC)
    if len(tx) == 0:
        from cxjourney.errors import InsufficientData

        raise InsufficientData("no transactions to model (the file has no rows with a customer id)")
    return rfm_summary(tx, calibration_end=calibration_end or default_end, holdout_end=holdout_end,
                       period=period, returns=returns)  # type: ignore[arg-type]


def run_workspace_query(workspace: Path, name: str, params: dict[str, Any]) -> Any:
    from cxjourney.cli.client import read_query

    return read_query(workspace, name, params)


@app.command("fit")
@handle_errors
def fit_cmd(
    workspace: Path = WorkspaceOpt, transactions: Path | None = TransactionsOpt, customer_col: str = CustomerOpt,
    date_col: str = DateOpt, amount_col: str = AmountOpt, quantity_col: str | None = QuantityOpt,
    date_format: str | None = DateFormatOpt,
    calibration_end: str | None = CalEndOpt, holdout_end: str | None = HoldoutOpt, period: PeriodName = PeriodOpt,
    model: ModelName = typer.Option(ModelName.bgnbd, "--model", help="Model to fit."),
    returns: Returns | None = ReturnsOpt, as_json: bool = JsonOpt,
) -> None:
    """Fit one model and print its parameters (with standard errors and intervals) and log-likelihood."""
    if transactions is None:  # the workspace's orders, through the query layer (works while the server runs)
        res = run_workspace_query(workspace, "clv_fit", {
            "model": model.value, "period": period.value, "calibration_end": calibration_end,
            "returns": returns.value if returns else "net"})
        out = dict(res.meta)
        out["standard_errors"] = {r["param"]: r["se"] for r in res.rows}
        out["intervals"] = {r["param"]: [r["ci_low"], r["ci_high"]] for r in res.rows}
    else:
        from cxjourney.models import TRANSACTION_MODELS, GammaGamma

        rfm = load_rfm(workspace, transactions, customer_col, date_col, amount_col, date_format, calibration_end,
                       holdout_end, period.value, returns.value if returns else None, quantity_col)
        cls = GammaGamma if model is ModelName.gamma_gamma else TRANSACTION_MODELS[model.value]
        out = cls().fit(rfm.summary).to_dict()
        out.update(calibration_end=str(rfm.calibration_end.date()), period=rfm.period, returns=rfm.notes["returns"],
                   rows=rfm.notes["rows"], rows_without_customer=rfm.notes["rows_without_customer"])
    if as_json:
        print_json(out)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{model.value}: {out['n_customers']} customers, calibration to {out['calibration_end']}")
    for col in ("parameter", "estimate", "std. error", f"{int(out['confidence'] * 100)}% interval"):
        table.add_column(col)
    for k, v in out["params"].items():
        lo, hi = out["intervals"][k]
        table.add_row(k, f"{v:.4g}", f"{out['standard_errors'][k]:.3g}", f"{lo:.4g} – {hi:.4g}")
    console.print(table)
    console.print(f"log-likelihood {out['log_likelihood']:.2f}; returns: {_returns_text(out['returns'])}")
    if out["flags"]:
        console.print(f"flags: {', '.join(out['flags'])}")


def _returns_text(note: dict[str, Any]) -> str:
    if not note["rows"]:
        return "none in the data"
    return f"{note['rows']} rows ({note['amount']:.2f}) {'dropped' if note['policy'] == 'drop' else 'netted against spend'}"


@app.command("predict")
@handle_errors
def predict_cmd(
    workspace: Path = WorkspaceOpt, transactions: Path | None = TransactionsOpt, customer_col: str = CustomerOpt,
    date_col: str = DateOpt, amount_col: str = AmountOpt, quantity_col: str | None = QuantityOpt,
    date_format: str | None = DateFormatOpt,
    calibration_end: str | None = CalEndOpt, period: PeriodName = PeriodOpt,
    model: PurchaseModelName = typer.Option(PurchaseModelName.bgnbd, "--model", help="Purchase model (spend: Gamma-Gamma)."),
    horizon: float = typer.Option(39, "--horizon", help="Horizon in periods."),
    discount_rate: float = typer.Option(0.0, "--discount-rate", help="Annual discount rate for CLV (0.1 = 10%)."),
    returns: Returns | None = ReturnsOpt, as_json: bool = JsonOpt,
    limit: int = typer.Option(20, "--limit", help="Rows shown in the table (JSON prints every customer)."),
) -> None:
    """Score every customer: expected purchases over the horizon, P(alive), expected spend and CLV."""
    if transactions is None:
        res = run_workspace_query(workspace, "clv_predict", {
            "model": model.value, "period": period.value, "calibration_end": calibration_end, "horizon": horizon,
            "discount_rate": discount_rate, "returns": returns.value if returns else "net"})
        rows, meta, unit = res.rows, res.meta, period.value
    else:
        from cxjourney.models.clv import customer_value

        rfm = load_rfm(workspace, transactions, customer_col, date_col, amount_col, date_format, calibration_end,
                       None, period.value, returns.value if returns else None, quantity_col)
        cv = customer_value(rfm, model=model.value, horizon=horizon, discount_rate=discount_rate)
        rows, meta, unit = cv.table.to_dict(orient="records"), dict(cv.meta, returns=rfm.notes["returns"]), rfm.period
    note = (f"{meta['model']} + {meta['spend_model']}; horizon {horizon:g} {unit}s; discount "
            f"{discount_rate:g}/year; returns: {_returns_text(meta['returns'])}")
    if as_json:
        print_json(rows)
        typer.echo(note, err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Customer value ({len(rows)} customers, top {limit} by CLV; intervals: "
                        f"{meta.get('interval', 'none')})")
    cols = [c for c in ("customer_id", "frequency", "recency", "T", "expected_purchases", "p_alive", "expected_spend",
                        "clv") if rows and c in rows[0]]
    for col in cols:
        table.add_column(col)

    def cell(row: dict[str, Any], c: str) -> str:
        v, lo, hi = row[c], row.get(f"{c}_low"), row.get(f"{c}_high")
        if not isinstance(v, float):
            return str(v)
        return f"{v:.3f}" + (f" ({lo:.3f}–{hi:.3f})" if isinstance(lo, float) and isinstance(hi, float) else "")

    for row in sorted(rows, key=lambda r: -(r["clv"] if r["clv"] is not None else -math.inf))[:limit]:
        table.add_row(*[cell(row, c) for c in cols])
    console = Console()
    console.print(table)
    console.print(note)


@app.command("refresh")
@handle_errors
def refresh_cmd(
    workspace: Path = WorkspaceOpt,
    model: PurchaseModelName = typer.Option(PurchaseModelName.bgnbd, "--model", help="Purchase model."),
    horizon: float = typer.Option(52, "--horizon", help="Horizon in periods."),
    period: PeriodName = PeriodOpt,
    discount_rate: float = typer.Option(0.0, "--discount-rate", help="Annual discount rate for CLV."),
    as_json: bool = JsonOpt,
) -> None:
    """Recompute every customer's scores from the workspace's orders and store them (table customer_scores)."""
    from cxjourney.cli.client import open_client

    body = {"model": model.value, "horizon": horizon, "period": period.value, "discount_rate": discount_rate}
    client = open_client(workspace, write=True)
    try:
        if client.mode == "local":
            from cxjourney.models.workspace import refresh_scores

            out = refresh_scores(client.store, client.settings, now=dt.datetime.now(dt.UTC),  # type: ignore[union-attr]
                                 model=model.value, horizon=horizon, period=period.value, discount_rate=discount_rate)
        else:
            out = client.request("POST", "/api/v1/clv/refresh", json=body)  # type: ignore[union-attr]
    finally:
        client.close()
    if as_json:
        print_json(out)
    else:
        typer.echo(f"stored scores of {out['customers']} customers ({out['model']}, horizon {horizon:g} "
                   f"{period.value}s) at {out['computed_at']}; total CLV {out['total_clv']:.2f}; "
                   f"each figure with a {out.get('interval') or 'no interval'}")
        if out.get("flags"):
            typer.echo(f"flags: {', '.join(out['flags'])}")


@app.command("validate")
@handle_errors
def validate_cmd(
    workspace: Path = WorkspaceOpt, transactions: Path | None = TransactionsOpt, customer_col: str = CustomerOpt,
    date_col: str = DateOpt, amount_col: str = AmountOpt, quantity_col: str | None = QuantityOpt,
    date_format: str | None = DateFormatOpt,
    calibration_end: str = typer.Option(..., "--calibration-end", help="Last day of the calibration period."),
    holdout_end: str = typer.Option(..., "--holdout-end", help="Last day of the holdout period."),
    period: PeriodName = PeriodOpt,
    model: PurchaseModelName = typer.Option(PurchaseModelName.bgnbd, "--model", help="Purchase model."),
    returns: Returns | None = ReturnsOpt, as_json: bool = JsonOpt,
    figure: Path | None = typer.Option(None, "--figure", help="Write the plotly figure: .json (figure JSON) or .html."),
) -> None:
    """Fit on the calibration period, then compare predicted and actual purchases in the holdout."""
    from cxjourney.models import TRANSACTION_MODELS
    from cxjourney.models.holdout import holdout_validation

    rfm = load_rfm(workspace, transactions, customer_col, date_col, amount_col, date_format, calibration_end,
                   holdout_end, period.value, returns.value if returns else None, quantity_col)
    fitted = TRANSACTION_MODELS[model.value]().fit(rfm.summary)
    val = holdout_validation(rfm, fitted)
    if figure is not None:
        fig = val.figure()
        if figure.suffix.lower() == ".html":
            import plotly.graph_objects as go

            go.Figure(fig).write_html(str(figure), include_plotlyjs=True)
        else:
            figure.write_text(json.dumps(_clean(fig), default=str), encoding="utf-8")
    out = val.to_dict()
    out.update(params=fitted.params_, log_likelihood=fitted.log_likelihood_, returns=rfm.notes["returns"])
    if as_json:
        print_json(out)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t1 = Table(title=f"Holdout purchases per {rfm.period} ({model.value})")
    for col in ("period", "start", "actual", "predicted", "cum. actual", "cum. predicted"):
        t1.add_column(col)
    for r in val.by_period.itertuples(index=False):
        t1.add_row(str(r.period), str(r.start), f"{r.actual:.0f}", f"{r.predicted:.1f}",
                   f"{r.cumulative_actual:.0f}", f"{r.cumulative_predicted:.1f}")
    t2 = Table(title="Mean holdout purchases by calibration frequency")
    for col in ("frequency", "customers", "actual", "predicted"):
        t2.add_column(col)
    for r in val.by_frequency.itertuples(index=False):
        t2.add_row(r.frequency, str(r.customers), f"{r.actual_mean:.3f}", f"{r.predicted_mean:.3f}")
    console.print(t1, t2)
    tot = val.totals
    console.print(f"total: actual {tot['actual']:.0f}, predicted {tot['predicted']:.1f} ({tot['error_pct']:+.1f}%)")


@app.command("scores")
@handle_errors
def scores_cmd(
    workspace: Path = WorkspaceOpt, person: str | None = typer.Option(None, "--person", help="One person (any id or e-mail)."),
    limit: int = typer.Option(20, "--limit", help="At most this many customers (highest CLV first)."), as_json: bool = JsonOpt,
) -> None:
    """Show stored per-customer scores (from the last refresh): CLV, P(alive), churn risk."""
    from cxjourney.cli.common import print_rows

    res = run_workspace_query(workspace, "customer_value", {"person": person, "limit": limit})
    if as_json:
        print_json(res.model_dump())
    else:
        print_rows(res.rows, "customer scores", columns=SCORE_TABLE_COLUMNS)


SCORE_TABLE_COLUMNS = ["person_id", "model", "computed_at", "frequency", "recency", "expected_purchases", "p_alive",
                       "p_alive_low", "p_alive_high", "clv", "clv_low", "clv_high", "churn_risk", "churn_risk_low",
                       "churn_risk_high", "n", "flags"]


@app.command("customer")
@handle_errors
def customer_cmd(
    person: str = typer.Argument(..., help="Any id of the person (user id, anonymous id, e-mail)."),
    workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt,
) -> None:
    """One customer's stored scores, for an agent: CLV, P(alive) and churn risk, each with its interval and n."""
    from cxjourney.errors import NotFound

    res = run_workspace_query(workspace, "customer_value", {"person": person})
    if not res.rows:
        raise NotFound(f"no stored scores for {person!r}: run 'cxjourney clv refresh' (and 'clv churn --store'), "
                       "or check the id", errors=[{"field": "person", "value": person, "message": "no scores"}])
    if as_json:
        print_json(res.model_dump())
        return
    typer.echo(f"customer {res.meta.get('person_id') or person}")
    for r in res.rows:
        basis = (f"interval from the n={r.get('n')} holdout customers in its risk band" if str(r["model"]).startswith("churn_")
                 else f"fitted on n={r.get('n')} customers")
        typer.echo(f"  {r['model']} (computed {r['computed_at']}, {basis})")
        for key, label, fmt in (("clv", "CLV", "{:.2f}"), ("expected_purchases", "expected purchases", "{:.3f}"),
                                ("p_alive", "P(alive)", "{:.1%}"), ("churn_risk", "churn risk", "{:.1%}")):
            if r.get(key) is None:
                continue
            lo, hi = r.get(f"{key}_low"), r.get(f"{key}_high")
            interval = f"  ({fmt.format(lo)} – {fmt.format(hi)})" if lo is not None and hi is not None else ""
            typer.echo(f"    {label:<20}{fmt.format(r[key])}{interval}")
        if r.get("flags"):
            typer.echo(f"    flags: {r['flags']}")


@app.command("summary")
@handle_errors
def summary_cmd(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Stored scores summed up: mean and total CLV (with intervals), share of customers at risk."""
    from cxjourney.cli.common import print_rows

    res = run_workspace_query(workspace, "clv_summary", {})
    if as_json:
        print_json(res.model_dump())
    else:
        print_rows(res.rows, "customer value", columns=["model", "metric", "value", "ci_low", "ci_high", "n", "flags"])


@app.command("drivers")
@handle_errors
def drivers_cmd(
    workspace: Path = WorkspaceOpt,
    data: Path | None = typer.Option(None, "--data", help="CSV with one row per respondent (default: the workspace's responses)."),
    outcome: str = typer.Option("nps", "--outcome", help="Outcome column (file) or response kind (workspace)."),
    drivers: list[str] = typer.Option([], "--driver", help="Driver column (file; repeat); default: every numeric column."),
    method: str = typer.Option("auto", "--method", help="shapley, relative_weights or auto."),
    missing: str = typer.Option("auto", "--missing", help="listwise, pairwise or auto (pairwise when too few complete rows)."),
    n_boot: int = typer.Option(200, "--n-boot", help="Bootstrap resamples for the intervals."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the bootstrap."),
    as_json: bool = JsonOpt,
) -> None:
    """Key drivers: which touchpoint scores drive NPS (relative importance with bootstrap intervals)."""
    from cxjourney.cli.common import print_rows

    if data is None:
        res = run_workspace_query(workspace, "drivers", {"outcome_kind": outcome, "method": method, "n_boot": n_boot,
                                                         "seed": seed, "missing": missing})
        rows, meta = res.rows, res.meta
    else:
        import pandas as pd

        from cxjourney.errors import ValidationFailed
        from cxjourney.models.drivers import key_drivers

        if not data.exists():
            raise ValidationFailed(f"{data}: no such file", errors=[{"file": str(data), "message": "not found"}])
        kd = key_drivers(pd.read_csv(data), outcome=outcome, drivers=drivers or None, method=method,  # type: ignore[arg-type]
                         n_boot=n_boot, seed=seed, missing=missing)  # type: ignore[arg-type]
        rows, meta = kd.table.to_dict(orient="records"), {"method": kd.method, "r2": kd.r2_, "n": kd.n_, **kd.meta}
    if as_json:
        print_json({"rows": rows, "meta": meta})
    else:
        print_rows(rows, f"key drivers of {outcome} ({meta['method']}, R² {meta['r2']:.3f}, n {meta['n']})",
                   columns=["rank", "driver", "importance", "share", "ci_low", "ci_high", "n"])
        if meta.get("flags"):
            typer.echo(f"flags: {', '.join(meta['flags'])}")


@app.command("churn")
@handle_errors
def churn_cmd(
    workspace: Path = WorkspaceOpt,
    data: Path | None = typer.Option(None, "--data", help="CSV: one row per customer and cutoff, numeric features, 0/1 label (default: the workspace's journeys)."),
    label: str = typer.Option("churned", "--label", help="0/1 label column (--data)."),
    time_col: str = typer.Option("cutoff", "--time-col", help="Cutoff date column (--data); the time split uses it."),
    features: list[str] = typer.Option([], "--feature", help="Feature column (--data; repeat); default: every numeric column."),
    method: str = typer.Option("logistic", "--method", help="logistic or gradient_boosting."),
    test_fraction: float = typer.Option(0.25, "--test-fraction", help="Share of rows (latest cutoffs) held out."),
    window_days: int | None = typer.Option(None, "--window-days", help="Workspace: churn window (default: churn_window_days)."),
    n_cutoffs: int = typer.Option(6, "--n-cutoffs", help="Workspace: labelled cutoffs."),
    step_days: int = typer.Option(30, "--step-days", help="Workspace: days between cutoffs."),
    store_scores: bool = typer.Option(False, "--store", help="Workspace: store each customer's churn risk (customer_scores)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Workspace: score customers as of this date (default: now)."),
    figure: Path | None = typer.Option(None, "--figure", help="Write the reliability curve (plotly figure JSON)."),
    as_json: bool = JsonOpt,
) -> None:
    """Churn classifier for subscription-like customers: time-based holdout, AUC, Brier score, reliability."""
    from cxjourney.errors import ValidationFailed
    from cxjourney.models.churn import ChurnClassifier

    stored = None
    if data is not None:
        import pandas as pd

        if not data.exists():
            raise ValidationFailed(f"{data}: no such file", errors=[{"file": str(data), "message": "not found"}])
        clf = ChurnClassifier(method=method, features=features or None, test_fraction=test_fraction)  # type: ignore[arg-type]
        clf.fit(pd.read_csv(data), label=label, time_col=time_col)
    else:
        from cxjourney.cli.client import open_client
        from cxjourney.models.queries import ChurnParams, fit_workspace_churn
        from cxjourney.models.workspace import store_churn_scores
        from cxjourney.query import QueryContext

        params = ChurnParams(method=method, window_days=window_days, n_cutoffs=n_cutoffs, step_days=step_days,  # type: ignore[arg-type]
                             test_fraction=test_fraction)
        client = open_client(workspace, write=store_scores)
        if client.mode != "local":
            client.close()
            raise ValidationFailed("the server holds the workspace: use the churn_model query through the API, or stop "
                                   "the server to fit and store churn scores from the CLI")
        try:
            from cxjourney.models.rfm import to_timestamp

            now = to_timestamp(as_of, "as_of").to_pydatetime() if as_of else dt.datetime.now(dt.UTC).replace(tzinfo=None)
            clf, _ = fit_workspace_churn(QueryContext(client.store, client.settings, now), params)  # type: ignore[union-attr]
            if store_scores:
                stored = store_churn_scores(client.store, clf, now=now, window_days=clf.meta_["window_days"])  # type: ignore[union-attr]
        finally:
            client.close()
    out = clf.to_dict()
    if stored is not None:
        out["stored"] = stored
    if figure is not None:
        figure.write_text(json.dumps(_clean(clf.reliability_figure()), default=str), encoding="utf-8")
    if as_json:
        print_json(out)
        return
    from cxjourney.cli.common import print_rows

    lo, hi = out["auc_interval"]
    typer.echo(f"{method}: trained on {out['n_train']} rows before {out['split']}, tested on {out['n_test']}")
    typer.echo(f"AUC {out['auc']:.3f} ({lo:.3f}–{hi:.3f}); Brier {out['brier']:.4f} (base rate only: "
               f"{out['brier_baseline']:.4f})")
    print_rows(out["reliability"], "reliability (holdout)")
    if stored is not None:
        typer.echo(f"stored churn risk of {stored['customers']} customers ({stored['model']})")
