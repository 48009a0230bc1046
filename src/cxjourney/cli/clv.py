"""``cxjourney clv``: fit customer-base models, score customers, validate on a holdout, refresh stored scores.

Every command reads transactions from ``--transactions FILE`` or, without it, from the workspace's
``orders`` view. User mistakes print a message naming the problem and exit 2 (no traceback).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from cxjourney.errors import CXJError

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


def friendly(fn: Any) -> Any:
    """Turn cxjourney errors into a message on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CXJError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            for item in exc.errors[:5]:
                where = ", ".join(f"{k}={item[k]}" for k in ("file", "line", "field", "value") if item.get(k) is not None)
                typer.echo(f"  - {item.get('message', '')}" + (f" ({where})" if where else ""), err=True)
            raise typer.Exit(2) from None

    return wrapper


WorkspaceOpt = typer.Option(Path("."), "--workspace", "-w", help="Workspace directory.")
TransactionsOpt = typer.Option(None, "--transactions", help="CSV/Parquet/JSONL of transactions (default: the workspace's orders).")
CustomerOpt = typer.Option("customer_id", "--customer-col", help="Column holding the customer id.")
DateOpt = typer.Option("date", "--date-col", help="Column holding the purchase date or timestamp.")
AmountOpt = typer.Option("amount", "--amount-col", help="Column holding the amount.")
DateFormatOpt = typer.Option(None, "--date-format", help="strptime format of the dates (default: YYYYMMDD or ISO 8601).")
CalEndOpt = typer.Option(None, "--calibration-end", help="Last day of the calibration period (default: last purchase day, or today for the workspace).")
HoldoutOpt = typer.Option(None, "--holdout-end", help="Last day of an optional holdout period.")
PeriodOpt = typer.Option(PeriodName.week, "--period", help="Time unit of recency, T and the horizon.")
ReturnsOpt = typer.Option(None, "--returns", help="How to treat negative amounts: drop them, or net them against spend.")
JsonOpt = typer.Option(False, "--json", help="Print JSON.")


def load_rfm(workspace: Path, transactions: Path | None, customer_col: str, date_col: str, amount_col: str,
             date_format: str | None, calibration_end: str | None, holdout_end: str | None, period: str,
             returns: str | None) -> Any:
    from cxjourney.models.rfm import read_transactions, rfm_summary

    if transactions is not None:
        tx = read_transactions(transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
                               date_format=date_format)
        default_end: Any = tx["date"].max() if len(tx) else None
    else:
        from cxjourney.config import load_settings
        from cxjourney.models.workspace import workspace_transactions
        from cxjourney.storage import connect

        settings = load_settings(workspace)
        with connect(settings, read_only=True) as store:
            tx = workspace_transactions(store)
        default_end = dt.datetime.now(dt.UTC)
    if len(tx) == 0:
        from cxjourney.errors import InsufficientData

        raise InsufficientData("no transactions to model (the file has no rows with a customer id)")
    return rfm_summary(tx, calibration_end=calibration_end or default_end, holdout_end=holdout_end,
                       period=period, returns=returns)  # type: ignore[arg-type]


@app.command("fit")
@friendly
def fit_cmd(
    workspace: Path = WorkspaceOpt, transactions: Path | None = TransactionsOpt, customer_col: str = CustomerOpt,
    date_col: str = DateOpt, amount_col: str = AmountOpt, date_format: str | None = DateFormatOpt,
    calibration_end: str | None = CalEndOpt, holdout_end: str | None = HoldoutOpt, period: PeriodName = PeriodOpt,
    model: ModelName = typer.Option(ModelName.bgnbd, "--model", help="Model to fit."),
    returns: Returns | None = ReturnsOpt, as_json: bool = JsonOpt,
) -> None:
    """Fit one model and print its parameters (with standard errors and intervals) and log-likelihood."""
    from cxjourney.models import TRANSACTION_MODELS, GammaGamma

    rfm = load_rfm(workspace, transactions, customer_col, date_col, amount_col, date_format, calibration_end,
                   holdout_end, period.value, returns.value if returns else None)
    cls = GammaGamma if model is ModelName.gamma_gamma else TRANSACTION_MODELS[model.value]
    fitted = cls().fit(rfm.summary)
    out = fitted.to_dict()
    out.update(calibration_end=str(rfm.calibration_end.date()), period=rfm.period, returns=rfm.notes["returns"],
               rows=rfm.notes["rows"], rows_without_customer=rfm.notes["rows_without_customer"])
    if as_json:
        print_json(out)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{model.value}: {out['n_customers']} customers, calibration to {out['calibration_end']}")
    for col in ("parameter", "estimate", "std. error", f"{int(fitted.confidence * 100)}% interval"):
        table.add_column(col)
    for k, v in fitted.params_.items():
        lo, hi = fitted.intervals_[k]
        table.add_row(k, f"{v:.4g}", f"{fitted.standard_errors_[k]:.3g}", f"{lo:.4g} – {hi:.4g}")
    console.print(table)
    console.print(f"log-likelihood {fitted.log_likelihood_:.2f}; returns: {_returns_text(rfm.notes['returns'])}")
    if out["flags"]:
        console.print(f"flags: {', '.join(out['flags'])}")


def _returns_text(note: dict[str, Any]) -> str:
    if not note["rows"]:
        return "none in the data"
    return f"{note['rows']} rows ({note['amount']:.2f}) {'dropped' if note['policy'] == 'drop' else 'netted against spend'}"


@app.command("predict")
@friendly
def predict_cmd(
    workspace: Path = WorkspaceOpt, transactions: Path | None = TransactionsOpt, customer_col: str = CustomerOpt,
    date_col: str = DateOpt, amount_col: str = AmountOpt, date_format: str | None = DateFormatOpt,
    calibration_end: str | None = CalEndOpt, period: PeriodName = PeriodOpt,
    model: PurchaseModelName = typer.Option(PurchaseModelName.bgnbd, "--model", help="Purchase model (spend: Gamma-Gamma)."),
    horizon: float = typer.Option(39, "--horizon", help="Horizon in periods."),
    discount_rate: float = typer.Option(0.0, "--discount-rate", help="Annual discount rate for CLV (0.1 = 10%)."),
    returns: Returns | None = ReturnsOpt, as_json: bool = JsonOpt,
    limit: int = typer.Option(20, "--limit", help="Rows shown in the table (JSON prints every customer)."),
) -> None:
    """Score every customer: expected purchases over the horizon, P(alive), expected spend and CLV."""
    from cxjourney.models.clv import customer_value

    rfm = load_rfm(workspace, transactions, customer_col, date_col, amount_col, date_format, calibration_end,
                   None, period.value, returns.value if returns else None)
    cv = customer_value(rfm, model=model.value, horizon=horizon, discount_rate=discount_rate)
    note = (f"{cv.meta['model']} + {cv.meta['spend_model']}; horizon {horizon:g} {rfm.period}s; discount "
            f"{discount_rate:g}/year; returns: {_returns_text(rfm.notes['returns'])}")
    if as_json:
        print_json(cv.table.to_dict(orient="records"))
        typer.echo(note, err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Customer value ({len(cv.table)} customers, top {limit} by CLV)")
    for col in cv.table.columns:
        table.add_column(col)
    for row in cv.table.sort_values("clv", ascending=False).head(limit).itertuples(index=False):
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    console = Console()
    console.print(table)
    console.print(note)


@app.command("refresh")
@friendly
def refresh_cmd(
    workspace: Path = WorkspaceOpt,
    model: PurchaseModelName = typer.Option(PurchaseModelName.bgnbd, "--model", help="Purchase model."),
    horizon: float = typer.Option(52, "--horizon", help="Horizon in periods."),
    period: PeriodName = PeriodOpt,
    discount_rate: float = typer.Option(0.0, "--discount-rate", help="Annual discount rate for CLV."),
    as_json: bool = JsonOpt,
) -> None:
    """Recompute every customer's scores from the workspace's orders and store them (table customer_scores)."""
    from cxjourney.config import load_settings
    from cxjourney.models.workspace import refresh_scores
    from cxjourney.storage import connect

    settings = load_settings(workspace)
    with connect(settings) as store:
        out = refresh_scores(store, settings, now=dt.datetime.now(dt.UTC), model=model.value, horizon=horizon,
                             period=period.value, discount_rate=discount_rate)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"stored scores of {out['customers']} customers ({out['model']}, horizon {horizon:g} "
                   f"{period.value}s) at {out['computed_at']}; total CLV {out['total_clv']:.2f}")


@app.command("validate")
@friendly
def validate_cmd(
    workspace: Path = WorkspaceOpt, transactions: Path | None = TransactionsOpt, customer_col: str = CustomerOpt,
    date_col: str = DateOpt, amount_col: str = AmountOpt, date_format: str | None = DateFormatOpt,
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
                   holdout_end, period.value, returns.value if returns else None)
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
