"""RFM summary from transactions: the input of every customer-base model.

Definitions (the conventions of Fader, Hardie & Lee 2005, checked against the CDNOW summary file):
- Purchases on the same calendar day are one transaction (their amounts are summed).
- ``frequency`` x: number of *repeat* purchase days up to and including ``calibration_end``.
- ``recency`` t_x: time from the first purchase to the last one; ``T``: from the first purchase to
  ``calibration_end``. Both in periods (day = 1 day, week = 7 days, month = 365.25/12 days).
- ``monetary_value``: mean amount of the repeat purchase days (the first purchase is excluded); 0 when x = 0.
- With ``holdout_end``: ``frequency_holdout`` (purchase days after ``calibration_end`` up to and including
  ``holdout_end``), ``monetary_value_holdout`` and ``duration_holdout`` (periods).
- Customers whose first purchase is after ``calibration_end`` are not in the summary.
- Returns (negative amounts) must be handled explicitly: ``returns="drop"`` removes them, ``"net"`` sums
  them into the same day and subtracts return-only days from the customer's repeat spend (floored at 0);
  a return-only day is never a purchase.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from cxjourney.errors import ValidationFailed

Period = Literal["day", "week", "month"]
PERIOD_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
ReturnsPolicy = Literal["drop", "net"]


@dataclass
class RFMSummary:
    summary: pd.DataFrame  # one row per customer
    daily: pd.DataFrame  # customer_id, date, amount: one row per customer-day (after the returns policy)
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp | None
    period: str
    period_days: float
    notes: dict[str, Any] = field(default_factory=dict)


def read_transactions(
    path: str | Path, *, customer_col: str, date_col: str, amount_col: str, date_format: str | None = None
) -> pd.DataFrame:
    """Read a CSV, Parquet or JSON-lines file and return validated ``customer_id, date, amount, line``."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(f"{path}: no such file", errors=[{"file": str(path), "message": "not found"}])
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            raw = pd.read_parquet(path)
        elif name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
            raw = pd.read_json(path, lines=True, dtype=False)
        else:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"{path}: could not be read: {exc}", errors=[{"file": str(path), "message": str(exc)}]) from exc
    return clean_transactions(
        raw, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        date_format=date_format, source=str(path),
    )


def clean_transactions(
    raw: pd.DataFrame, *, customer_col: str, date_col: str, amount_col: str | None,
    date_format: str | None = None, source: str = "transactions",
) -> pd.DataFrame:
    """Validate and normalise a transactions frame. Errors name the file, line, column and value.

    ``line`` is the 1-based line in a CSV with a header (row index + 2). Rows without a customer id
    (guest checkouts) cannot be attributed: they are counted in ``attrs['rows_without_customer']``.
    """
    wanted = [c for c in (customer_col, date_col, amount_col) if c]
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise ValidationFailed(
            f"{source}: column(s) {', '.join(map(repr, missing))} not found; the columns are "
            f"{', '.join(map(repr, map(str, raw.columns)))}",
            errors=[{"file": source, "field": c, "message": "column not found"} for c in missing],
        )
    lines = np.arange(len(raw)) + 2
    cust = raw[customer_col].astype("string").str.strip()
    no_cust = cust.isna() | (cust == "")
    dates = parse_dates(raw[date_col], date_format=date_format, source=source, column=date_col)
    if amount_col:
        text = raw[amount_col].astype("string").str.strip()
        amounts = pd.to_numeric(text, errors="coerce")
        bad = amounts.isna() | ~np.isfinite(amounts.fillna(0).to_numpy(float))
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            raise ValidationFailed(
                f"{source}: line {lines[rows[0]]}, column {amount_col!r}: {text.iloc[rows[0]]!r} is not a number"
                + (f" ({len(rows)} such rows)" if len(rows) > 1 else ""),
                errors=[{"file": source, "line": int(lines[i]), "field": amount_col, "value": _s(text.iloc[i]),
                         "message": "not a number"} for i in rows[:20]],
            )
        amount = amounts.to_numpy(float)
    else:
        amount = np.zeros(len(raw))
    out = pd.DataFrame({"customer_id": cust.to_numpy(object), "date": dates, "amount": amount, "line": lines})
    out = out[~no_cust.to_numpy()].reset_index(drop=True)
    out.attrs["rows_read"] = len(raw)
    out.attrs["rows_without_customer"] = int(no_cust.sum())
    return out


def _s(v: Any) -> str | None:
    return None if v is pd.NA or v is None else str(v)


def parse_dates(values: pd.Series, *, date_format: str | None, source: str, column: str) -> pd.Series:
    """Parse a date/timestamp column. Without ``date_format``: 8-digit YYYYMMDD, or ISO 8601.
    Time-zone-aware timestamps are converted to UTC and made naive."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
        if getattr(values.dt, "tz", None) is not None:
            parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
        text = values.astype("string")
    else:
        text = values.astype("string").str.strip()
        fmt = date_format
        sample = text.dropna()
        if fmt is None and len(sample) and sample.str.fullmatch(r"\d{8}").all():
            fmt = "%Y%m%d"
        try:
            parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce", utc=True)
        except (ValueError, TypeError) as exc:
            raise ValidationFailed(f"{source}: column {column!r}: bad date format {fmt!r}: {exc}") from exc
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = parsed.isna().to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad)
        hint = f" with format {date_format!r}" if date_format else " (expected YYYYMMDD or ISO 8601; pass --date-format)"
        raise ValidationFailed(
            f"{source}: line {rows[0] + 2}, column {column!r}: {text.iloc[rows[0]]!r} is not a date{hint}"
            + (f" ({len(rows)} such rows)" if len(rows) > 1 else ""),
            errors=[{"file": source, "line": int(i + 2), "field": column, "value": _s(text.iloc[i]),
                     "message": "unparseable date"} for i in rows[:20]],
        )
    return parsed.astype("datetime64[ns]")


def to_timestamp(value: Any, name: str) -> pd.Timestamp:
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        ts = pd.Timestamp(value)
    else:
        text = str(value).strip()
        try:
            ts = pd.Timestamp(dt.datetime.strptime(text, "%Y%m%d")) if re.fullmatch(r"\d{8}", text) else pd.Timestamp(text)
        except ValueError as exc:
            raise ValidationFailed(f"{name}: {value!r} is not a date (use YYYY-MM-DD)",
                                   errors=[{"field": name, "value": str(value), "message": "not a date"}]) from exc
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.normalize()


def rfm_summary(
    transactions: pd.DataFrame, *, calibration_end: Any, holdout_end: Any = None, period: Period = "week",
    returns: ReturnsPolicy | None = None,
) -> RFMSummary:
    """Build the RFM summary from ``customer_id, date, amount`` rows (see the module docstring)."""
    if period not in PERIOD_DAYS:
        raise ValidationFailed(f"period must be one of day, week, month (got {period!r})",
                               errors=[{"field": "period", "value": str(period), "message": "unknown period"}])
    cal_end = to_timestamp(calibration_end, "calibration_end")
    hold_end = to_timestamp(holdout_end, "holdout_end") if holdout_end is not None else None
    if hold_end is not None and hold_end <= cal_end:
        raise ValidationFailed(f"holdout_end {hold_end.date()} must be after calibration_end {cal_end.date()}",
                               errors=[{"field": "holdout_end", "value": str(hold_end.date()), "message": "not after calibration_end"}])
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise ValidationFailed(f"transactions lack column {col!r}", errors=[{"field": col, "message": "missing"}])
    tx = transactions[["customer_id", "date", "amount"]].copy()
    tx["date"] = pd.to_datetime(tx["date"]).dt.normalize()
    if hold_end is not None:
        tx = tx[tx["date"] <= hold_end]
    notes: dict[str, Any] = {"rows": int(len(transactions)), "period": period,
                             "rows_without_customer": int(transactions.attrs.get("rows_without_customer", 0))}

    negative = tx["amount"] < 0
    n_neg = int(negative.sum())
    if n_neg and returns is None:
        first = transactions.loc[negative[negative].index[0]]
        line = f"line {int(first['line'])}: " if "line" in transactions.columns else ""
        raise ValidationFailed(
            f"{n_neg} rows have negative amounts (returns), e.g. {line}customer {first['customer_id']!r} amount "
            f"{first['amount']}; choose how to handle them: returns='drop' or 'net' (CLI: --returns drop|net)",
            errors=[{"field": "amount", "value": float(first["amount"]), "message": "negative amount (return)",
                     **({"line": int(first["line"])} if "line" in transactions.columns else {})}],
        )
    notes["returns"] = {"policy": returns or "none", "rows": n_neg, "amount": float(tx.loc[negative, "amount"].sum())}
    if returns == "drop":
        tx = tx[~negative]

    had_return = negative.groupby([tx["customer_id"], tx["date"]]).any() if returns == "net" else None
    daily = tx.groupby(["customer_id", "date"], as_index=False, sort=True)["amount"].sum()
    if returns == "net" and had_return is not None:
        flag = had_return.reindex(pd.MultiIndex.from_frame(daily[["customer_id", "date"]])).to_numpy(bool)
        is_return_day = flag & (daily["amount"].to_numpy() <= 0)
        return_days = daily[is_return_day]
        daily = daily[~is_return_day].reset_index(drop=True)
    else:
        return_days = daily.iloc[0:0]

    pdays = PERIOD_DAYS[period]
    cal = daily[daily["date"] <= cal_end]
    g = cal.groupby("customer_id", sort=True)
    first = g["date"].min()
    last = g["date"].max()
    count = g["date"].size()
    total = g["amount"].sum()
    first_amount = g["amount"].first()  # rows sorted by date within customer
    out = pd.DataFrame({"customer_id": first.index.astype(object)})
    out["frequency"] = (count - 1).to_numpy(float)
    out["recency"] = ((last - first).dt.days / pdays).to_numpy(float)
    out["T"] = ((cal_end - first).dt.days / pdays).to_numpy(float)
    repeat_spend = (total - first_amount).to_numpy(float)
    if len(return_days):
        ret = return_days[return_days["date"] <= cal_end].groupby("customer_id")["amount"].sum()
        ret = ret.reindex(first.index).fillna(0.0).to_numpy(float)
        after_first = ret  # returns are netted against repeat spend (documented)
        repeat_spend = np.maximum(repeat_spend + np.where(out["frequency"].to_numpy() > 0, after_first, 0.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["monetary_value"] = np.where(out["frequency"] > 0, repeat_spend / out["frequency"].to_numpy(), 0.0)
    if hold_end is not None:
        hold = daily[(daily["date"] > cal_end) & (daily["date"] <= hold_end)]
        hg = hold.groupby("customer_id")
        out["frequency_holdout"] = hg["date"].size().reindex(first.index).fillna(0).to_numpy(float)
        out["monetary_value_holdout"] = hg["amount"].mean().reindex(first.index).fillna(0.0).to_numpy(float)
        out["duration_holdout"] = (hold_end - cal_end).days / pdays
    notes["customers"] = int(len(out))
    notes["customers_first_purchase_after_calibration"] = int(daily["customer_id"].nunique() - len(out))
    notes["repeat_buyers"] = int((out["frequency"] > 0).sum())
    keep = daily["customer_id"].isin(out["customer_id"])
    return RFMSummary(out, daily[keep].reset_index(drop=True), cal_end, hold_end, period, pdays, notes)
