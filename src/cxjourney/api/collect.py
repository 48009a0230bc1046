"""The Segment HTTP Tracking API: /v1/track, page, screen, identify, alias, group, batch.

The write key comes as the HTTP Basic username (or ``writeKey`` in the body). A request is answered only
after its accepted events are committed. Invalid events are rejected with their index, field and reason;
valid events of the same batch are kept (the answer is then 400 and says how many were accepted).
"""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Request

from cxjourney.api.deps import basic_username, utcnow
from cxjourney.api.errors import FastJSON, error_response, responses
from cxjourney.errors import PayloadTooLarge, ValidationFailed
from cxjourney.ingest.batch import batch_from_tuples
from cxjourney.ingest.normalize import TYPES, Rejection, normalize_tuple

router = APIRouter(tags=["collect"])


def _sizes(msgs: list[Any], limit: int, body_bytes: int) -> list[int | None]:
    """Each message's serialized size as far as the limit needs it: 0 for messages known to fit, found by
    serializing runs of messages together (one orjson call per run instead of one per message), the exact
    size for a message that does not fit. Same figures as measuring each message on its own."""
    out: list[int | None] = [0] * len(msgs)
    dumps = orjson.dumps

    def walk(lo: int, hi: int) -> None:
        total = len(dumps(msgs[lo:hi])) - (hi - lo) - 1  # the messages' own sizes: no brackets, no commas
        if total <= limit:
            return
        if hi - lo == 1:
            out[lo] = total
            return
        mid = (lo + hi) // 2
        walk(lo, mid)
        walk(mid, hi)

    run = max(1, int(limit / 2 / max(body_bytes / max(len(msgs), 1), 1)))  # runs of about half the limit
    for lo in range(0, len(msgs), run):
        walk(lo, min(lo + run, len(msgs)))
    return out


async def _raw_body(request: Request, limit: int) -> bytes:
    """The body's bytes (after gzip/deflate), at most ``limit`` of them."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit} bytes", errors=[{"field": "body", "message": f"larger than {limit} bytes"}])
    raw = await request.body()
    enc = request.headers.get("content-encoding", "").lower()
    if enc in ("gzip", "deflate"):
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS if enc == "gzip" else zlib.MAX_WBITS)
            raw = d.decompress(raw, limit + 1)
        except (zlib.error, gzip.BadGzipFile) as exc:
            raise ValidationFailed("body is not valid gzip/deflate", errors=[{"field": "body", "message": str(exc)}]) from exc
    if len(raw) > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes", errors=[{"field": "body", "message": f"larger than {limit} bytes"}])
    return raw


async def _body(request: Request, limit: int) -> tuple[Any, int]:
    """The parsed JSON body and its size in bytes (after gzip/deflate)."""
    raw = await _raw_body(request, limit)
    return _parse(raw), len(raw)


def _parse(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed(f"malformed JSON: {exc}", errors=[{"field": "body", "message": f"malformed JSON: {exc}"}]) from exc


def _write_key(request: Request, body: Any) -> None:
    _check_write_key(request, body.get("writeKey") if isinstance(body, dict) else None)


def _check_write_key(request: Request, in_body: Any) -> None:
    """The write key: the HTTP Basic username, else the body's ``writeKey``."""
    key = basic_username(request)
    if key is None:
        key = in_body if isinstance(in_body, str) else None
    request.app.state.keys.write_key(key)


async def _store(request: Request, msgs: list[Any], *, sent_at: Any, forced: str | None,
                 sizes: list[int | None] | None = None) -> FastJSON:
    st = request.app.state
    received = utcnow()
    rows: list[tuple[Any, ...]] = []
    rejected: list[Rejection] = []
    for i, m in enumerate(msgs):
        r = normalize_tuple(m, i, received_at=received, sent_at=sent_at, forced_type=forced,
                      max_bytes=st.settings.max_event_bytes, raw_size=sizes[i] if sizes else None)
        (rejected if isinstance(r, Rejection) else rows).append(r)  # type: ignore[arg-type]
    accepted = duplicates = 0
    if rows:
        res = await asyncio.wrap_future(st.writer.submit(batch_from_tuples(rows)))
        accepted, duplicates = res.accepted, res.duplicates
    if rejected:
        only_size = all("bytes; the limit" in r.message for r in rejected) and len(msgs) == 1
        status = 413 if only_size else 400
        return error_response(
            status,
            f"{len(rejected)} of {len(msgs)} event(s) rejected; {accepted} accepted",
            [r.to_dict() for r in rejected],
            "payload_too_large" if status == 413 else "validation",
            accepted=accepted,
            duplicates=duplicates,
        )
    return _all_accepted(accepted, duplicates)


def _all_accepted(accepted: int, duplicates: int) -> FastJSON:
    return FastJSON({"ok": True, "success": True, "accepted": accepted, "duplicates": duplicates, "rejected": []})


ERRS = responses(400, 401, 413)


def _single(kind: str):  # one route per Segment call type
    async def endpoint(request: Request) -> FastJSON:
        body, _ = await _body(request, request.app.state.settings.max_event_bytes)
        _write_key(request, body)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "writeKey"}
        return await _store(request, [body], sent_at=None, forced=kind)

    endpoint.__name__ = f"collect_{kind}"
    endpoint.__doc__ = f"Segment `{kind}` call: one event. Answered after it is committed."
    return endpoint


for _kind in TYPES:
    router.add_api_route(f"/v1/{_kind}", _single(_kind), methods=["POST"], responses=ERRS, summary=f"Segment {_kind}")


@router.post("/v1/batch", responses=ERRS, summary="Segment batch")
async def collect_batch(request: Request) -> FastJSON:
    """Segment batch: ``{"batch": [events...], "sentAt": ..., "writeKey": ...}`` (at most 500 KB)."""
    st = request.app.state
    raw = await _raw_body(request, st.settings.max_batch_bytes)
    fast = await st.parsers.parse(raw, received_at=utcnow(), max_event_bytes=st.settings.max_event_bytes)
    if fast is not None:  # every event plainly valid: parsed by a worker process (api/parsers.py, ingest/fastpath.py)
        batch, key = fast
        _check_write_key(request, key)
        res = await asyncio.wrap_future(st.writer.submit(batch))
        return _all_accepted(res.accepted, res.duplicates)
    body, nbytes = _parse(raw), len(raw)
    _write_key(request, body)
    if not isinstance(body, dict) or not isinstance(body.get("batch"), list):
        raise ValidationFailed("a batch body is an object with a 'batch' array", errors=[{"field": "batch", "message": "missing or not an array"}])
    msgs = body["batch"]
    sizes = _sizes(msgs, request.app.state.settings.max_event_bytes, nbytes)
    return await _store(request, msgs, sent_at=body.get("sentAt"), forced=None, sizes=sizes)


@router.post("/v1/import", responses=ERRS, summary="Segment import (alias of batch)", include_in_schema=True)
async def collect_import(request: Request) -> FastJSON:
    """Same as /v1/batch (Segment's historical import endpoint)."""
    return await collect_batch(request)
