"""Accepted events in the writer's shape: Arrow columns plus the few fields identity stitching reads.

The server builds one :class:`EventBatch` per request in the request handler, so the single writer thread
only de-duplicates, stitches, inserts and commits (its time is what bounds the ingestion rate). Everything
but ``seq`` and ``person_id`` is final here; properties and context are already JSON text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

EVENT_COLUMNS = [
    "seq", "message_id", "type", "event", "name", "user_id", "anonymous_id", "person_id", "timestamp",
    "received_at", "url", "path", "referrer", "channel", "campaign", "revenue", "properties", "context", "source",
]
# Arrow's JSON extension type: DuckDB stores such a column in its JSON columns as it is, without parsing each
# value again to validate it (the text comes from orjson.dumps, or from the client and validated by msgspec on
# the fast path). ~25% of the insert's time.
_JSON = pa.json_(pa.string())
_ARROW_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()), ("message_id", pa.string()), ("type", pa.string()), ("event", pa.string()),
        ("name", pa.string()), ("user_id", pa.string()), ("anonymous_id", pa.string()), ("person_id", pa.string()),
        ("timestamp", pa.timestamp("us")), ("received_at", pa.timestamp("us")), ("url", pa.string()),
        ("path", pa.string()), ("referrer", pa.string()), ("channel", pa.string()), ("campaign", pa.string()),
        ("revenue", pa.float64()), ("properties", _JSON), ("context", _JSON), ("source", pa.string()),
    ]
)
BATCH_COLUMNS = [c for c in EVENT_COLUMNS if c not in ("seq", "person_id")]
BATCH_SCHEMA = pa.schema([_ARROW_SCHEMA.field(c) for c in BATCH_COLUMNS])


@dataclass(slots=True)
class EventBatch:
    """Events of one request (or one ``write`` call), in arrival order."""

    table: pa.Table  # BATCH_SCHEMA
    message_ids: Sequence[str]
    types: Sequence[str]
    user_ids: Sequence[str | None]
    anonymous_ids: Sequence[str | None]
    received_at: datetime  # the latest of the batch
    previous_ids: dict[int, str]  # alias rows: row index -> previousId
    traits: dict[int, dict[str, Any]]  # identify rows with traits: row index -> traits
    rows: list[dict[str, Any]] | None = None  # the caller's row dicts: seq and person_id are written back

    def __len__(self) -> int:
        return len(self.message_ids)


def batch_from_tuples(rows: list[tuple[Any, ...]]) -> EventBatch:
    """Rows from :func:`cxjourney.ingest.normalize.normalize_tuple` (or the fast path, whose ``properties`` and
    ``context`` may be JSON text as bytes) -> an :class:`EventBatch` (column-wise)."""
    from cxjourney.ingest.normalize import ROW_FIELDS

    cols: dict[str, Any] = dict(zip(ROW_FIELDS, zip(*rows, strict=True), strict=True)) if rows else \
        {c: () for c in ROW_FIELDS}
    dumps = orjson.dumps
    props, types = cols["properties"], cols["type"]
    # Decoded at once: orjson allocates each result at 1 KB and shrinks it, and thousands of those alive at a
    # time make glibc grow and trim its heap over and over (2.5 us per call measured, 0.15 us decoded at once).
    # The fast path (ingest/fastpath.py) hands the JSON text as sent (bytes, validated by msgspec): decoded here,
    # which also checks it is UTF-8 (UnicodeDecodeError otherwise).
    cols["properties"] = [p.decode() if type(p) is bytes else dumps(p or {}).decode() for p in props]
    cols["context"] = [c.decode() if type(c) is bytes else dumps(c or {}).decode() for c in cols["context"]]
    table = pa.table([cols[c] for c in BATCH_COLUMNS], schema=BATCH_SCHEMA)
    previous = {i: props[i]["previous_id"] for i, t in enumerate(types) if t == "alias"} if "alias" in types else {}
    traits = {i: t for i, t in enumerate(cols["traits"]) if t}
    received = cols["received_at"]
    return EventBatch(
        table=table, message_ids=cols["message_id"], types=types, user_ids=cols["user_id"],
        anonymous_ids=cols["anonymous_id"],
        received_at=max(received) if received else datetime.min, previous_ids=previous, traits=traits,
    )


def batch_from_rows(rows: list[dict[str, Any]], *, keep_rows: bool = False) -> EventBatch:
    """Canonical row dicts (from :func:`cxjourney.ingest.normalize.normalize`) -> an :class:`EventBatch`;
    ``keep_rows``: the writer writes each committed row's ``seq`` and ``person_id`` back into its dict."""
    from cxjourney.ingest.normalize import ROW_FIELDS

    batch = batch_from_tuples([tuple(r.get(f) for f in ROW_FIELDS) for r in rows])
    batch.rows = rows if keep_rows else None
    return batch
