"""RFM summary rules: same-day aggregation, first purchase excluded from spend, periods, holdout, returns,
and clear errors for bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from cxjourney.errors import ValidationFailed
from cxjourney.models.rfm import clean_transactions, read_transactions, rfm_summary


def _tx(rows):
    return clean_transactions(pd.DataFrame(rows, columns=["c", "d", "a"]).astype(str),
                              customer_col="c", date_col="d", amount_col="a")


def test_same_day_purchases_are_one_transaction_and_first_purchase_is_not_in_mean_spend():
    tx = _tx([("A", "2024-01-01", 100), ("A", "2024-01-08", 10), ("A", "2024-01-08", 20), ("A", "2024-01-22", 50),
              ("B", "2024-01-15", 30)])
    s = rfm_summary(tx, calibration_end="2024-01-29", period="week").summary.set_index("customer_id")
    assert s.loc["A", "frequency"] == 2  # 4 rows, 3 days, 2 repeat days
    assert s.loc["A", "recency"] == 3.0 and s.loc["A", "T"] == 4.0
    assert s.loc["A", "monetary_value"] == pytest.approx((30 + 50) / 2)  # not including the first 100
    assert s.loc["B", "frequency"] == 0 and s.loc["B", "monetary_value"] == 0 and s.loc["B", "T"] == 2.0


def test_period_unit_changes_recency_and_T_and_holdout_counts_after_calibration():
    tx = _tx([("A", "2024-01-01", 10), ("A", "2024-01-31", 10), ("A", "2024-02-10", 10), ("A", "2024-03-05", 10),
              ("C", "2024-02-20", 5)])
    days = rfm_summary(tx, calibration_end="2024-01-31", holdout_end="2024-03-31", period="day").summary
    a = days.set_index("customer_id").loc["A"]
    assert (a["recency"], a["T"], a["frequency_holdout"], a["duration_holdout"]) == (30.0, 30.0, 2.0, 60.0)
    assert "C" not in set(days["customer_id"])  # first purchase after the calibration end
    months = rfm_summary(tx, calibration_end="2024-01-31", period="month").summary.set_index("customer_id")
    assert months.loc["A", "T"] == pytest.approx(30 / (365.25 / 12))


def test_missing_column_names_the_column_and_the_columns_present(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("cust,day,value\n1,2024-01-01,5\n")
    with pytest.raises(ValidationFailed) as exc:
        read_transactions(f, customer_col="customer", date_col="day", amount_col="value")
    assert "'customer' not found" in exc.value.message and "'cust'" in exc.value.message
    assert exc.value.errors[0]["field"] == "customer"


def test_unparseable_date_names_line_column_and_value(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("c,d,a\n1,2024-01-01,5\n2,yesterday,7\n")
    with pytest.raises(ValidationFailed) as exc:
        read_transactions(f, customer_col="c", date_col="d", amount_col="a")
    assert "line 3" in exc.value.message and "'yesterday'" in exc.value.message and "'d'" in exc.value.message
    assert exc.value.errors[0] == {"file": str(f), "line": 3, "field": "d", "value": "yesterday",
                                   "message": "unparseable date"}


def test_explicit_date_format_is_used(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("c,d,a\n1,31/01/2024,5\n")
    tx = read_transactions(f, customer_col="c", date_col="d", amount_col="a", date_format="%d/%m/%Y")
    assert tx["date"].iloc[0] == pd.Timestamp("2024-01-31")
    with pytest.raises(ValidationFailed, match="with format '%Y-%m-%d'"):
        read_transactions(f, customer_col="c", date_col="d", amount_col="a", date_format="%Y-%m-%d")


def test_unparseable_amount_names_line_and_value(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("c,d,a\n1,2024-01-01,5\n1,2024-01-02,12,50\n".replace("12,50", '"12,50"'))
    with pytest.raises(ValidationFailed) as exc:
        read_transactions(f, customer_col="c", date_col="d", amount_col="a")
    assert "line 3" in exc.value.message and "'12,50' is not a number" in exc.value.message


def test_negative_amounts_require_a_returns_policy_and_each_policy_is_applied():
    rows = [("A", "2024-01-01", 100), ("A", "2024-01-08", 40), ("A", "2024-01-15", 60), ("A", "2024-01-20", -30),
            ("B", "2024-01-02", 10)]
    tx = _tx(rows)
    with pytest.raises(ValidationFailed, match="1 rows have negative amounts .*--returns drop\\|net"):
        rfm_summary(tx, calibration_end="2024-01-31")
    dropped = rfm_summary(tx, calibration_end="2024-01-31", returns="drop")
    a = dropped.summary.set_index("customer_id").loc["A"]
    assert (a["frequency"], a["monetary_value"]) == (2, 50)
    assert dropped.notes["returns"] == {"policy": "drop", "rows": 1, "amount": -30.0}
    netted = rfm_summary(tx, calibration_end="2024-01-31", returns="net")
    a = netted.summary.set_index("customer_id").loc["A"]
    assert a["frequency"] == 2  # the return day is not a purchase
    assert a["monetary_value"] == pytest.approx((40 + 60 - 30) / 2)
    assert netted.notes["returns"]["policy"] == "net"


def test_rows_without_customer_id_are_counted_not_silently_lost():
    tx = _tx([("A", "2024-01-01", 1), ("", "2024-01-02", 2), ("A", "2024-01-05", 3)])
    r = rfm_summary(tx, calibration_end="2024-01-31", period="day")
    assert r.notes["rows_without_customer"] == 1 and r.notes["customers"] == 1


def test_bad_calibration_or_holdout_dates_are_refused():
    tx = _tx([("A", "2024-01-01", 1)])
    with pytest.raises(ValidationFailed, match="calibration_end: 'soon' is not a date"):
        rfm_summary(tx, calibration_end="soon")
    with pytest.raises(ValidationFailed, match="must be after calibration_end"):
        rfm_summary(tx, calibration_end="2024-02-01", holdout_end="2024-01-15")
    with pytest.raises(ValidationFailed, match="period must be one of"):
        rfm_summary(tx, calibration_end="2024-02-01", period="year")  # type: ignore[arg-type]
