"""The fast path for ``/v1/batch``: a well-formed batch straight from its bytes to an :class:`EventBatch`.

The exact path (:func:`cxjourney.api.collect._body` + :func:`~cxjourney.ingest.normalize.normalize_tuple`)
parses every event into Python dicts, validates it, and serializes ``properties`` and ``context`` back to JSON
text for storage. Under sustained ingestion that Python work, done under the one interpreter lock the writer
also needs, is what bounds the rate. Here the body is decoded with msgspec into typed structs, keeping
``properties`` and ``context`` as the raw JSON text the client sent (stored as sent: never turned into dicts
and back), and reading out of them only the few fields the canonical row derives (page URL, path, referrer,
campaign, channel, revenue).

It only ever **accepts**: whenever an event is not plainly valid (a wrong type, a missing id, a bad timestamp,
a number as an id, an event that could be near the size limit, text that is not UTF-8…) it returns ``None`` and
the caller runs the exact path on the whole batch, which names every rejected event's field and reason. For
the events it accepts it produces the same rows as the exact path (``properties``/``context`` equal as JSON:
``tests/backbone/test_fastpath.py`` compares both paths event by event).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import orjson

from cxjourney.ingest.batch import EventBatch, batch_from_tuples
from cxjourney.ingest.normalize import TYPES, _parse_sent_at, derived_fields, parse_time

_UNSET: Any = msgspec.UNSET
_DAY = timedelta(days=1)
_TYPES = frozenset(TYPES)
# The compact serialization of an event (what the exact path measures against the 32 KB limit) is at most
# 4.5x its raw text: whitespace and escapes only shrink, and the worst number ("1e15," -> "1000000000000000.0,")
# grows 4.5x. Events whose raw text is at most limit / _GROWTH surely fit; bigger ones go the exact path.
_GROWTH = 5


class _Body(msgspec.Struct):
    batch: list[msgspec.Raw]
    sentAt: Any = None  # noqa: N815  (Segment's field names)
    writeKey: Any = None  # noqa: N815


class _Msg(msgspec.Struct):
    type: Any = None
    messageId: Any = None  # noqa: N815
    userId: Any = None  # noqa: N815
    anonymousId: Any = None  # noqa: N815
    event: Any = None
    name: Any = None
    timestamp: Any = _UNSET
    originalTimestamp: Any = None  # noqa: N815
    sentAt: Any = _UNSET  # noqa: N815
    properties: msgspec.Raw = _UNSET
    context: msgspec.Raw = _UNSET
    traits: Any = None
    previousId: Any = None  # noqa: N815
    groupId: Any = None  # noqa: N815


class _Props(msgspec.Struct):
    """The fields of ``properties`` a row reads (the rest are skipped, never decoded)."""

    url: Any = None
    path: Any = None
    referrer: Any = None
    campaign: Any = None
    channel: Any = None
    revenue: Any = None
    total: Any = None


class _Ctx(msgspec.Struct):
    """The fields of ``context`` a row reads."""

    page: Any = None
    campaign: Any = None
    channel: Any = None
    traits: Any = None


_body_decoder = msgspec.json.Decoder(_Body)
_msg_decoder = msgspec.json.Decoder(_Msg)
_props_decoder = msgspec.json.Decoder(_Props)
_ctx_decoder = msgspec.json.Decoder(_Ctx)
_EMPTY_PROPS = _Props()
_EMPTY_CTX = _Ctx()


class Bail(Exception):
    """Not plainly valid: the exact path decides."""


def _raw_object(raw: Any, decoder: msgspec.json.Decoder, empty: Any) -> tuple[bytes, Any]:
    """A raw ``properties``/``context`` value -> (its JSON text, its decoded fields); absent or null is {}."""
    if raw is _UNSET:
        return b"{}", empty
    text = bytes(raw)
    if text[:1] != b"{":
        if text == b"null":
            return b"{}", empty
        raise Bail
    return text, decoder.decode(text)


def _id(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:  # numbers are ids too, but the exact path converts them
        raise Bail
    stripped = value.strip()
    if not stripped and value:  # only blanks: the exact path rejects it
        raise Bail
    return stripped or None


def fast_batch(raw: bytes, *, received_at: datetime, max_event_bytes: int,
               source: str = "api") -> tuple[EventBatch, Any] | None:
    """A ``/v1/batch`` body -> (the batch of all its events, its ``writeKey``), or ``None`` when any part of it
    needs the exact path (which then also gives every error its field and reason)."""
    try:
        body = _body_decoder.decode(raw)
        return _build(body, received_at, max_event_bytes, source), body.writeKey
    except (Bail, msgspec.DecodeError, ValueError, TypeError, OverflowError):  # ValueError: also text not UTF-8
        return None


def _build(body: _Body, received_at: datetime, max_event_bytes: int, source: str) -> EventBatch:
    """The batch's rows as :func:`~cxjourney.ingest.normalize.normalize_tuple` makes them, except that
    ``properties`` and ``context`` are the sent JSON text (bytes) unless the row adds keys to them."""
    if not body.batch:
        raise Bail
    batch_sent = body.sentAt
    max_raw = max_event_bytes // _GROWTH
    rows: list[tuple[Any, ...]] = []
    decode_msg = _msg_decoder.decode
    for raw_msg in body.batch:
        if len(raw_msg) > max_raw:
            raise Bail
        m = decode_msg(raw_msg)
        etype = m.type
        if etype not in _TYPES:
            raise Bail
        mid = m.messageId
        if mid is None:
            mid = str(uuid.uuid4())
        elif type(mid) is not str or not mid or len(mid) > 200:
            raise Bail
        user_id = _id(m.userId)
        anonymous_id = _id(m.anonymousId)
        if user_id is None and anonymous_id is None:
            raise Bail
        props_text, p = _raw_object(m.properties, _props_decoder, _EMPTY_PROPS)
        ctx_text, c = _raw_object(m.context, _ctx_decoder, _EMPTY_CTX)
        traits = m.traits
        if traits is not None and type(traits) is not dict:
            raise Bail
        if traits is None and etype == "identify":
            traits = c.traits
            if traits is not None and type(traits) is not dict:
                raise Bail
        event = name = None
        extra: dict[str, Any] | None = None  # keys the row adds to properties (alias, group, identify)
        if etype == "track":
            event = m.event
            if type(event) is not str or not event.strip():
                raise Bail
            event = event.strip()
        elif etype == "page" or etype == "screen":
            name = m.name
            if name is not None and type(name) is not str:
                raise Bail
        elif etype == "alias":
            prev = _id(m.previousId)
            if prev is None or user_id is None:
                raise Bail
            extra = {"previous_id": prev}
        elif etype == "group":
            gid = _id(m.groupId)
            if gid is None:
                raise Bail
            extra = {"group_id": gid}
        if traits is not None and (etype == "identify" or etype == "group"):
            extra = {**(extra or {}), "traits": traits}
        props: Any = props_text
        if extra is not None:  # the row's properties are the sent ones plus these keys (none of them read below)
            props = {**orjson.loads(props_text), **extra}
        # Timestamps: the event's own time, corrected for the device clock by sentAt (Segment's rule).
        ts_raw = m.timestamp if m.timestamp is not _UNSET else m.originalTimestamp
        if ts_raw is not None:
            ts = parse_time(ts_raw)
            if ts is None:
                raise Bail
            sent_raw = m.sentAt if m.sentAt is not _UNSET else batch_sent
            if sent_raw is not None:
                sent = _parse_sent_at(sent_raw) if type(sent_raw) is str else parse_time(sent_raw)
                if sent is None:
                    raise Bail
                ts = ts + (received_at - sent)
            if ts > received_at + _DAY:
                raise Bail
        else:
            ts = received_at
        url, path, referrer, channel, camp_name, revenue = derived_fields(etype, p, c.page, c.campaign, c.channel)
        rows.append((mid, etype, event, name, user_id, anonymous_id, ts, received_at, url, path, referrer, channel,
                     camp_name, revenue, props, ctx_text, source, traits if etype == "identify" else None))
    return batch_from_tuples(rows)
