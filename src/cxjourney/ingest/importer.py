"""`cxjourney import events|orders|responses|costs FILE`: CSV, Parquet or JSON Lines with a column mapping.

Every row is accepted or rejected with its line, field and reason; valid rows are always kept. Imported
events get a message id derived from their content, so importing the same file twice stores nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from cxjourney.errors import ValidationFailed
from cxjourney.ingest.normalize import Rejection, normalize, parse_time
from cxjourney.ingest.readers import read_chunks
from cxjourney.ingest.writer import EventWriter

KINDS = ("events", "orders", "responses", "costs")
FIELDS: dict[str, tuple[str, ...]] = {
    "events": ("message_id", "type", "event", "name", "user_id", "anonymous_id", "timestamp", "properties",
               "context", "url", "path", "channel", "campaign", "revenue", "traits"),
    "orders": ("order_id", "user_id", "anonymous_id", "timestamp", "revenue", "quantity", "unit_price", "currency", "channel", "campaign"),
    "responses": ("response_id", "user_id", "survey_id", "question_id", "score", "comment", "touchpoint", "channel",
                  "timestamp", "language", "journey", "stage"),
    "costs": ("date", "campaign", "channel", "cost", "impressions", "clicks", "currency"),
}
REQUIRED = {
    "events": ("timestamp",),
    "orders": ("order_id", "user_id", "timestamp"),
    "responses": ("user_id", "survey_id", "score", "timestamp"),
    "costs": ("date", "campaign", "cost"),
}
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "rating": (1, 10)}


@dataclass
class ImportReport:
    kind: str
    file: str
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, line: int, fld: str, message: str, value: Any = None) -> None:
        self.rejected += 1
        if len(self.errors) < 1000:
            self.errors.append({"line": line, "field": fld, "value": value, "message": message})

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "accepted": self.accepted, "rejected": self.rejected,
                "duplicates": self.duplicates, "errors": self.errors, "notes": self.notes}


def parse_mapping(items: list[str], kind: str) -> dict[str, str]:
    """``["user_id=customer", ...]`` -> {canonical: source column}; unknown canonical names are refused."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValidationFailed(f"--map {item!r}: use canonical=source_column", errors=[{"field": "--map", "value": item, "message": "expected canonical=column"}])
        canon, src = item.split("=", 1)
        canon = canon.strip()
        if canon not in FIELDS[kind] and not canon.startswith("properties."):
            raise ValidationFailed(
                f"--map {item!r}: unknown field {canon!r} for {kind}",
                errors=[{"field": "--map", "value": canon, "message": f"known: {', '.join(FIELDS[kind])} (or properties.NAME)"}],
            )
        out[canon] = src.strip()
    return out


def _content_id(kind: str, rec: dict[str, Any]) -> str:
    return f"imp-{kind}-" + hashlib.sha1(orjson.dumps(rec, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:24]


def _num(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(str(v).replace(",", ".")) if not isinstance(v, (int, float)) else float(v)
    except ValueError:
        return None


def _time(v: Any, fmt: str | None) -> datetime | None:
    if v is None or v == "":
        return None
    if fmt:
        try:
            dt = datetime.strptime(str(v), fmt)
        except ValueError:
            return None
        return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt
    return parse_time(v)


class Importer:
    def __init__(self, store: Any, kind: str, mapping: dict[str, str], *, date_format: str | None = None,
                 response_kind: str | None = None, question_kind: Callable[[str, str], str | None] | None = None,
                 now: datetime | None = None):
        if kind not in KINDS:
            raise ValidationFailed(f"unknown import kind {kind!r}", errors=[{"field": "kind", "value": kind, "message": f"use one of {', '.join(KINDS)}"}])
        self.store = store
        self.kind = kind
        self.mapping = mapping
        self.date_format = date_format
        self.response_kind = response_kind
        self.question_kind = question_kind
        self.now = now or datetime.now(UTC).replace(tzinfo=None)
        self.writer = EventWriter(store) if kind != "costs" else None

    def _get(self, row: dict[str, Any], canon: str) -> Any:
        src = self.mapping.get(canon, canon)
        v = row.get(src)
        return None if v == "" else v

    def _check_columns(self, path: Path, row: dict[str, Any]) -> None:
        missing = [f"{c} (column {self.mapping.get(c, c)!r})" for c in REQUIRED[self.kind] if self.mapping.get(c, c) not in row
                   and not (self.kind == "orders" and c == "revenue")]
        if self.kind == "events" and not any(self.mapping.get(c, c) in row for c in ("user_id", "anonymous_id")):
            missing.append("user_id or anonymous_id")
        if missing:
            cols = [c for c in row if not c.startswith("__")]
            raise ValidationFailed(
                f"{path}: missing column(s) {', '.join(missing)}; the file has: {', '.join(cols)}",
                errors=[{"file": str(path), "line": 1, "field": m, "message": "missing column (use --map canonical=column)"} for m in missing],
            )

    def run(self, path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
        rep = ImportReport(self.kind, str(path))
        first = True
        pending_orders: dict[str, dict[str, Any]] = {}
        for start, rows in read_chunks(path):
            if first and rows:
                self._check_columns(path, rows[0])
                first = False
            if self.kind == "orders":
                self._collect_orders(rows, start, rep, pending_orders)
            elif self.kind == "costs":
                self._costs(rows, start, rep)
            elif self.kind == "responses":
                self._responses(rows, start, rep)
            else:
                self._events(rows, start, rep)
            if progress:
                progress(len(rows))
        if self.kind == "orders":
            self._write_orders(pending_orders, rep)
        return rep

    # -- events ------------------------------------------------------------------------------------
    def _line(self, row: dict[str, Any], start: int, i: int) -> int:
        return int(row.get("__line__", start + i))

    def _events(self, rows: list[dict[str, Any]], start: int, rep: ImportReport) -> None:
        out = []
        for i, row in enumerate(rows):
            line = self._line(row, start, i)
            if "__error__" in row:
                rep.reject(line, "", row["__error__"])
                continue
            msg: dict[str, Any] = {"type": self._get(row, "type") or "track"}
            for canon, seg in (("event", "event"), ("name", "name"), ("user_id", "userId"), ("anonymous_id", "anonymousId"),
                               ("message_id", "messageId")):
                v = self._get(row, canon)
                if v is not None:
                    msg[seg] = v
            props: dict[str, Any] = {}
            for canon in ("properties", "context", "traits"):
                v = self._get(row, canon)
                if isinstance(v, str):
                    try:
                        v = orjson.loads(v)
                    except orjson.JSONDecodeError:
                        rep.reject(line, canon, f"{canon} is not valid JSON", v[:80])
                        break
                if v is not None:
                    if canon == "properties":
                        props.update(v if isinstance(v, dict) else {})
                    else:
                        msg[canon] = v
            else:
                for canon in ("url", "path", "channel", "campaign", "revenue"):
                    v = self._get(row, canon)
                    if v is not None:
                        props[canon] = _num(v) if canon == "revenue" else v
                for canon, src in self.mapping.items():
                    if canon.startswith("properties.") and row.get(src) not in (None, ""):
                        props[canon[11:]] = row[src]
                if msg["type"] == "page" and "name" not in msg and props.get("path"):
                    msg["name"] = props["path"]
                msg["properties"] = props
                ts = _time(self._get(row, "timestamp"), self.date_format)
                if ts is None:
                    rep.reject(line, "timestamp", "missing or unparseable timestamp", self._get(row, "timestamp"))
                    continue
                msg["timestamp"] = ts.isoformat()
                if "messageId" not in msg:
                    msg["messageId"] = _content_id("events", {**msg, "__line__": line})
                r = normalize(msg, i, received_at=self.now, source="import", max_bytes=10**9)
                if isinstance(r, Rejection):
                    rep.reject(line, r.field, r.message, r.value)
                    continue
                if props.get("channel"):
                    r["channel"] = str(props["channel"]).lower()
                out.append(r)
        self._write(out, rep)

    def _write(self, rows: list[dict[str, Any]], rep: ImportReport) -> None:
        if not rows:
            return
        assert self.writer is not None
        ids = [r["message_id"] for r in rows]
        with self.store.lock:
            existing = {x[0] for x in self.store.con.execute(
                "SELECT message_id FROM events WHERE message_id IN (SELECT unnest(?))", [ids]).fetchall()}
        fresh = [r for r in rows if r["message_id"] not in existing]
        rep.duplicates += len(rows) - len(fresh)
        res = self.writer.write(fresh)
        rep.accepted += res.accepted
        rep.duplicates += res.duplicates

    # -- orders ------------------------------------------------------------------------------------
    def _collect_orders(self, rows: list[dict[str, Any]], start: int, rep: ImportReport, acc: dict[str, dict[str, Any]]) -> None:
        for i, row in enumerate(rows):
            line = self._line(row, start, i)
            oid, uid = self._get(row, "order_id"), self._get(row, "user_id")
            if oid is None:
                rep.reject(line, "order_id", "missing order id")
                continue
            if uid is None:
                rep.reject(line, "user_id", "missing customer id", None)
                continue
            uid = str(uid)
            if uid.endswith(".0") and uid[:-2].isdigit():
                uid = uid[:-2]  # ids exported as floats (17850.0)
            ts = _time(self._get(row, "timestamp"), self.date_format)
            if ts is None:
                rep.reject(line, "timestamp", "missing or unparseable date", self._get(row, "timestamp"))
                continue
            rev_raw = self._get(row, "revenue")
            if rev_raw is not None:
                rev = _num(rev_raw)
                if rev is None:
                    rep.reject(line, "revenue", "not a number", rev_raw)
                    continue
            else:
                q, p = _num(self._get(row, "quantity")), _num(self._get(row, "unit_price"))
                if q is None or p is None:
                    rep.reject(line, "revenue", "no revenue (map revenue=COL, or quantity=COL and unit_price=COL)")
                    continue
                rev = q * p
            o = acc.get(str(oid))
            if o is None:
                acc[str(oid)] = {"order_id": str(oid), "user_id": uid, "timestamp": ts, "revenue": rev, "lines": 1,
                                 "currency": self._get(row, "currency"), "channel": self._get(row, "channel"),
                                 "campaign": self._get(row, "campaign"), "line": line}
            else:
                o["revenue"] += rev
                o["lines"] += 1
                o["timestamp"] = min(o["timestamp"], ts)

    def _write_orders(self, acc: dict[str, dict[str, Any]], rep: ImportReport) -> None:
        rows = []
        refunds = 0
        for o in sorted(acc.values(), key=lambda o: (o["timestamp"], o["line"])):
            event = "Order Completed" if o["revenue"] >= 0 else "Order Refunded"
            refunds += event == "Order Refunded"
            props = {"order_id": o["order_id"], "revenue": round(o["revenue"], 2), "lines": o["lines"]}
            if o["currency"]:
                props["currency"] = o["currency"]
            if o["channel"]:
                props["channel"] = o["channel"]
            msg = {"type": "track", "event": event, "userId": o["user_id"], "timestamp": o["timestamp"].isoformat(),
                   "properties": props, "messageId": f"imp-order-{event[6:].lower()}-{o['order_id']}"}
            r = normalize(msg, 0, received_at=self.now, source="import", max_bytes=10**9)
            if isinstance(r, Rejection):
                rep.reject(o["line"], r.field, r.message, r.value)
                continue
            rows.append(r)
        for i in range(0, len(rows), 50_000):
            self._write(rows[i:i + 50_000], rep)
        if refunds:
            rep.notes.append(f"{refunds} order(s) with negative revenue stored as 'Order Refunded' events (not counted as orders)")

    # -- costs -------------------------------------------------------------------------------------
    def _costs(self, rows: list[dict[str, Any]], start: int, rep: ImportReport) -> None:
        good = []
        for i, row in enumerate(rows):
            line = self._line(row, start, i)
            d = _time(self._get(row, "date"), self.date_format)
            if d is None:
                rep.reject(line, "date", "missing or unparseable date", self._get(row, "date"))
                continue
            camp = self._get(row, "campaign")
            if camp is None:
                rep.reject(line, "campaign", "missing campaign")
                continue
            cost = _num(self._get(row, "cost"))
            if cost is None or cost < 0:
                rep.reject(line, "cost", "cost must be a non-negative number", self._get(row, "cost"))
                continue
            ints = {}
            ok = True
            for c in ("impressions", "clicks"):
                v = self._get(row, c)
                n = _num(v)
                if v is not None and (n is None or n < 0 or not float(n).is_integer()):
                    rep.reject(line, c, f"{c} must be a non-negative whole number", v)
                    ok = False
                    break
                ints[c] = int(n) if n is not None else None
            if ok:
                good.append((d.date(), str(camp), self._get(row, "channel"), cost, ints["impressions"], ints["clicks"], self._get(row, "currency"), "import"))
        if good:
            with self.store.lock:
                con = self.store.con
                con.execute("BEGIN TRANSACTION")
                try:
                    con.executemany("DELETE FROM ad_costs WHERE date = ? AND campaign = ? AND channel IS NOT DISTINCT FROM ?", [g[:3] for g in good])
                    con.executemany("INSERT INTO ad_costs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", good)
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
            rep.accepted += len(good)

    # -- responses ---------------------------------------------------------------------------------
    def _responses(self, rows: list[dict[str, Any]], start: int, rep: ImportReport) -> None:
        from cxjourney.ingest.responses import store_responses

        good = []
        for i, row in enumerate(rows):
            line = self._line(row, start, i)
            uid, sid = self._get(row, "user_id"), self._get(row, "survey_id")
            if uid is None:
                rep.reject(line, "user_id", "missing respondent id")
                continue
            if sid is None:
                rep.reject(line, "survey_id", "missing survey id")
                continue
            qid = self._get(row, "question_id") or self.response_kind or "score"
            kind = self.response_kind or (self.question_kind(str(sid), str(qid)) if self.question_kind else None)
            if kind is None and qid in SCORE_RANGES:
                kind = str(qid)
            if kind is None:
                rep.reject(line, "question_id", f"unknown question {qid!r} of survey {sid!r}: define it in surveys/ or pass --kind nps|csat|ces", qid)
                continue
            score = _num(self._get(row, "score"))
            lo, hi = SCORE_RANGES.get(kind, (float("-inf"), float("inf")))
            whole = kind in ("nps", "csat", "ces")  # answered on a fixed scale of whole numbers, as the response API requires
            if score is None or not (lo <= score <= hi) or (whole and not score.is_integer()):
                rep.reject(line, "score", f"{kind} score must be a {'whole ' if whole else ''}number from {lo:g} to {hi:g}", self._get(row, "score"))
                continue
            ts = _time(self._get(row, "timestamp"), self.date_format)
            if ts is None:
                rep.reject(line, "timestamp", "missing or unparseable timestamp", self._get(row, "timestamp"))
                continue
            rid = self._get(row, "response_id") or _content_id("responses", {"u": uid, "s": sid, "t": ts.isoformat(), "q": qid})
            good.append({"response_id": str(rid), "question_id": str(qid), "survey_id": str(sid), "kind": kind, "score": score,
                         "comment": self._get(row, "comment"), "user_id": str(uid), "touchpoint": self._get(row, "touchpoint"),
                         "journey": self._get(row, "journey"), "stage": self._get(row, "stage"), "channel": self._get(row, "channel") or "import",
                         "language": self._get(row, "language"), "timestamp": ts, "line": line})
        if good:
            assert self.writer is not None
            stored, dups = store_responses(self.store, self.writer, good, received_at=self.now, source="import")
            rep.accepted += stored
            rep.duplicates += dups


def import_file(store: Any, kind: str, path: str | Path, mapping: list[str] | dict[str, str] | None = None, **kw: Any) -> ImportReport:
    """Python API: import one file; returns the report (accepted, rejected with line/field/reason)."""
    m = parse_mapping(mapping, kind) if isinstance(mapping, list) else dict(mapping or {})
    return Importer(store, kind, m, **kw).run(Path(path))
