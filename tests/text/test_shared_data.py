"""Text functions on real third-party data (../shared/data). It holds no labelled customer comments (its
README lists Polish and English reviews under "Not obtained"), so sentiment quality is measured on the
project's held-out sets (test_sentiment.py); here: PII masking and language detection on real text."""

from __future__ import annotations

from collections import Counter

import pytest

from cxjourney.text.language import detect_language
from cxjourney.text.pii import mask_pii


@pytest.fixture(scope="module")
def retail(shared_data):
    import pandas as pd

    path = shared_data / "online-retail-uci" / "online_retail.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return pd.read_csv(path, nrows=30000, dtype=str)


def test_masking_leaves_real_invoice_lines_with_dates_ids_and_prices_untouched(retail):
    lines = [f"Invoice {r.InvoiceNo}, stock {r.StockCode}, {r.InvoiceDate}, qty {r.Quantity} at {r.UnitPrice}, "
             f"customer {r.CustomerID}" for r in retail.itertuples()]
    changed = [(line, mask_pii(line)) for line in lines if mask_pii(line) != line]
    assert len(lines) == 30000 and changed == []


def test_masking_still_catches_pii_written_beside_real_invoice_data(retail):
    r = next(retail.itertuples())
    line = f"Invoice {r.InvoiceNo} of {r.InvoiceDate}: call me on +48 601 234 567 or jan.kowalski@example.com"
    masked = mask_pii(line)
    assert str(r.InvoiceNo) in masked and str(r.InvoiceDate) in masked
    assert "[PHONE]" in masked and "[EMAIL]" in masked and "601" not in masked


def test_real_english_product_names_are_not_taken_for_polish(retail):
    names = retail["Description"].dropna().unique()
    langs = Counter(detect_language(n) for n in names)
    assert len(names) > 2000
    assert langs["pl"] / len(names) < 0.005
    assert langs["en"] > 0
