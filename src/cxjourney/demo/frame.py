"""Columnar event buffer of one chunk: compact codes now, text (JSON, URLs, ids) later in DuckDB.

Every generated event is a row of small numbers (time, person, kind, page or product, campaign...). Rare
events whose properties need structure (orders, tickets, surveys) carry a ready JSON text in ``props``.
The loader turns the codes into the ``events`` columns with one SQL statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

# Event kinds: code -> (type, event name). Page views are type 'page' (name comes from the page table).
KINDS: list[tuple[str, str | None]] = [
    ("page", None),
    ("track", "Product Viewed"),
    ("track", "Product Added"),
    ("track", "Checkout Started"),
    ("track", "Order Completed"),
    ("identify", None),
    ("track", "Newsletter Subscribed"),
    ("track", "Ad Impression"),
    ("track", "Ad Clicked"),
    ("track", "Email Opened"),
    ("track", "Email Clicked"),
    ("track", "Order Delivered"),
    ("track", "Ticket Created"),
    ("track", "Ticket Resolved"),
    ("track", "Review Submitted"),
    ("track", "Referral Sent"),
    ("track", "Survey Shown"),
    ("track", "Survey Dismissed"),
    ("track", "Survey Responded"),
]
(K_PAGE, K_PRODUCT_VIEWED, K_PRODUCT_ADDED, K_CHECKOUT_STARTED, K_ORDER_COMPLETED, K_IDENTIFY, K_NEWSLETTER,
 K_AD_IMPRESSION, K_AD_CLICKED, K_EMAIL_OPENED, K_EMAIL_CLICKED, K_ORDER_DELIVERED, K_TICKET_CREATED,
 K_TICKET_RESOLVED, K_REVIEW, K_REFERRAL, K_SURVEY_SHOWN, K_SURVEY_DISMISSED, K_SURVEY_RESPONDED) = range(len(KINDS))

SCHEMA = pa.schema([
    ("ts", pa.int64()),  # microseconds since the period start
    ("pg", pa.int64()),  # global person index
    ("li", pa.int64()),  # position in the chunk (tie-break, deterministic)
    ("kind", pa.int8()),
    ("arg", pa.int32()),  # page code (pages) or product index (product events); -1 otherwise
    ("camp", pa.int8()),  # campaign index or -1
    ("utm", pa.bool_()),  # a landing page reached through a campaign link
    ("ref", pa.int8()),  # referrer index or -1
    ("chan", pa.int8()),  # channel code
    ("web", pa.bool_()),  # sent by the browser (carries the anonymous id)
    ("ident", pa.bool_()),  # the person had identified by then (carries the user id)
    ("val", pa.float64()),  # cart value of Checkout Started
    ("revenue", pa.float64()),
    ("props", pa.string()),  # ready JSON for rare events, else NULL
])

_NUMERIC = {"arg": (np.int32, -1), "camp": (np.int8, -1), "ref": (np.int8, -1), "chan": (np.int8, 0),
            "val": (np.float64, np.nan), "revenue": (np.float64, np.nan)}


class EventBuffer:
    """Collects blocks of events (arrays of equal length, scalars broadcast)."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def add(self, ts: np.ndarray, pg: np.ndarray, kind: int | np.ndarray, *, props: Sequence[str | None] | None = None,
            web: bool | np.ndarray = True, utm: bool | np.ndarray = False, **cols: Any) -> None:
        n = len(ts)
        if n == 0:
            return
        block: dict[str, Any] = {
            "ts": np.asarray(ts, dtype=np.float64),
            "pg": np.asarray(pg, dtype=np.int64),
            "kind": np.broadcast_to(np.asarray(kind, dtype=np.int8), (n,)),
            "web": np.broadcast_to(np.asarray(web, dtype=bool), (n,)),
            "utm": np.broadcast_to(np.asarray(utm, dtype=bool), (n,)),
            "props": props,
        }
        for name, (dtype, default) in _NUMERIC.items():
            v = cols.pop(name, default)
            block[name] = np.broadcast_to(np.asarray(v, dtype=dtype), (n,))
        if cols:
            raise TypeError(f"unknown event columns {sorted(cols)}")
        self.blocks.append(block)

    def __len__(self) -> int:
        return sum(len(b["ts"]) for b in self.blocks)

    def to_arrow(self, identified_at: np.ndarray, pg0: int, li0: int, period: float) -> pa.Table:
        """One Arrow table; drops events outside [0, period) and marks who had identified by then."""
        cols = {k: np.concatenate([b[k] for b in self.blocks]) for k in ("ts", "pg", "kind", "web", "utm", *_NUMERIC)}
        props: list[str | None] = []
        for b in self.blocks:
            props.extend(b["props"] if b["props"] is not None else [None] * len(b["ts"]))
        keep = (cols["ts"] >= 0) & (cols["ts"] < period)
        ts = cols["ts"][keep]
        pg = cols["pg"][keep]
        ident = ts >= identified_at[pg - pg0]
        props_arr = pa.array(props, type=pa.string()).filter(pa.array(keep))
        n = int(keep.sum())
        return pa.table({
            "ts": pa.array(np.round(ts * 1e6).astype(np.int64)),
            "pg": pa.array(pg),
            "li": pa.array(np.arange(li0, li0 + n, dtype=np.int64)),
            "kind": pa.array(cols["kind"][keep]),
            "arg": pa.array(cols["arg"][keep]),
            "camp": pa.array(cols["camp"][keep]),
            "utm": pa.array(cols["utm"][keep]),
            "ref": pa.array(cols["ref"][keep]),
            "chan": pa.array(cols["chan"][keep]),
            "web": pa.array(cols["web"][keep]),
            "ident": pa.array(ident),
            "val": pa.array(cols["val"][keep], from_pandas=True),
            "revenue": pa.array(cols["revenue"][keep], from_pandas=True),
            "props": props_arr,
        }, schema=SCHEMA)
