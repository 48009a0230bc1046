"""Validate Segment-spec messages and turn them into canonical event rows (snake_case).

Each message is either accepted (a row) or rejected with a named field and reason. Nothing is dropped
silently. Spec: https://segment.com/docs/connections/spec/ (common fields, track, page, screen, identify,
alias, group) and the HTTP Tracking API (sentAt clock-skew correction, 32 KB per message).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlparse

import orjson

TYPES = ("track", "page", "screen", "identify", "alias", "group")
MEDIUM_CHANNEL = {
    "cpc": "ads", "ppc": "ads", "paid": "ads", "paidsearch": "ads", "display": "ads", "banner": "ads",
    "paid_social": "ads", "email": "email", "newsletter": "email", "social": "social", "organic": "search",
    "referral": "referral", "affiliate": "affiliate", "sms": "sms", "push": "push",
}


@dataclass
class Rejection:
    index: int
    field: str
    message: str
    value: Any = None
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"index": self.index, "field": self.field, "message": self.message}
        if self.value is not None:
            d["value"] = self.value if isinstance(self.value, (str, int, float, bool)) else str(self.value)[:200]
        if self.message_id:
            d["messageId"] = self.message_id
        return d


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 (with offset or Z; naive means UTC) or epoch seconds/ms -> naive UTC datetime; None if bad."""
    if isinstance(value, str):
        try:  # the common case first: a well-formed ISO string (Python >= 3.11 reads the "Z" itself)
            dt = datetime.fromisoformat(value)
        except ValueError:
            s = value.strip()
            if not s:
                return None
            if s.endswith(("Z", "z")):
                s = s[:-1] + "+00:00"
            try:
                dt = datetime.fromisoformat(s)
            except ValueError:
                return None
        if dt.tzinfo is not None:
            off = dt.utcoffset()
            dt = dt.replace(tzinfo=None)
            if off:
                try:
                    dt -= off
                except OverflowError:
                    return None
        if not (1970 <= dt.year <= 2200):
            return None
        return dt
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        secs = value / 1000.0 if value > 1e11 else float(value)
        try:
            dt = datetime.fromtimestamp(secs, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
        return dt if 1970 <= dt.year <= 2200 else None
    return None


@lru_cache(maxsize=1024)
def _parse_sent_at(value: str) -> datetime | None:
    """sentAt is the same string for every event of a batch: parse it once."""
    return parse_time(value)


def _id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _obj(value: Any) -> dict[str, Any]:
    """A nested object of a message (context.page, context.campaign), or {} when it is absent or not an object."""
    return value if isinstance(value, dict) else {}


def _channel(etype: str, props_channel: Any, ctx_channel: Any, campaign: dict[str, Any]) -> str | None:
    ch = props_channel or ctx_channel
    if isinstance(ch, str) and ch:
        return ch.lower()
    medium = campaign.get("medium")
    if isinstance(medium, str) and medium:
        return MEDIUM_CHANNEL.get(medium.lower(), medium.lower())
    if etype == "page":
        return "web"
    if etype == "screen":
        return "app"
    return None


def derived_fields(etype: str, props: Any, page: Any, campaign: Any, ctx_channel: Any) -> tuple[Any, ...]:
    """The row's (url, path, referrer, channel, campaign, revenue), from ``props`` (anything with the attributes
    url, path, referrer, campaign, channel, revenue, total: see :class:`PropsView`) and from ``context``'s page,
    campaign and channel as sent. Shared by the exact path and the fast path (ingest/fastpath.py)."""
    page = _obj(page)
    campaign = _obj(campaign)
    url = (props.url if etype == "page" else None) or page.get("url")
    if not isinstance(url, str):
        url = None
    path = (props.path if etype == "page" else None) or page.get("path") or (urlparse(url).path if url else None)
    referrer = props.referrer or page.get("referrer")
    camp_name = campaign.get("name") or props.campaign
    if not camp_name and url and "utm_campaign" in url:
        camp_name = next(iter(parse_qs(urlparse(url).query).get("utm_campaign") or []), None)
    revenue = props.revenue
    revenue = float(revenue) if type(revenue) is float or type(revenue) is int else _num(revenue)
    if revenue is None:
        revenue = _num(props.total)
    return (
        url,
        path if isinstance(path, str) else None,
        referrer if isinstance(referrer, str) else None,
        _channel(etype, props.channel, ctx_channel, campaign),
        camp_name if isinstance(camp_name, str) else None,
        revenue,
    )


class PropsView:
    """A properties dict seen through the attributes :func:`derived_fields` reads."""

    __slots__ = ("url", "path", "referrer", "campaign", "channel", "revenue", "total")

    def __init__(self, props: dict[str, Any]):
        get = props.get
        self.url, self.path, self.referrer = get("url"), get("path"), get("referrer")
        self.campaign, self.channel, self.revenue, self.total = get("campaign"), get("channel"), get("revenue"), get("total")


_DAY = timedelta(days=1)
_OBJECT_FIELDS = ("properties", "traits", "context")
# The canonical row's fields, in the order of :func:`normalize_tuple`'s tuples.
ROW_FIELDS = ("message_id", "type", "event", "name", "user_id", "anonymous_id", "timestamp", "received_at", "url",
              "path", "referrer", "channel", "campaign", "revenue", "properties", "context", "source", "traits")


def normalize(msg: Any, index: int, **options: Any) -> dict[str, Any] | Rejection:
    """One message -> canonical row dict (keys :data:`ROW_FIELDS`), or a Rejection naming the field.
    ``options`` as for :func:`normalize_tuple`."""
    r = normalize_tuple(msg, index, **options)
    return r if isinstance(r, Rejection) else dict(zip(ROW_FIELDS, r, strict=True))


def normalize_tuple(
    msg: Any,
    index: int,
    *,
    received_at: datetime,
    sent_at: Any = None,
    forced_type: str | None = None,
    max_bytes: int = 32 * 1024,
    source: str = "api",
    raw_size: int | None = None,
) -> tuple[Any, ...] | Rejection:
    """One message -> the canonical row as a tuple in :data:`ROW_FIELDS` order (the server's batches are built
    column-wise from these, without a dict per event), or a Rejection naming the field. ``raw_size``: the
    message's size when the caller knows it (0: known to be within ``max_bytes``)."""
    if not isinstance(msg, dict):
        return Rejection(index, "", f"each event must be a JSON object, got {type(msg).__name__}")
    get = msg.get
    mid_raw = get("messageId")
    size = raw_size if raw_size is not None else len(orjson.dumps(msg))
    if size > max_bytes:
        return Rejection(index, "", f"event is {size} bytes; the limit is {max_bytes} bytes", message_id=_id(mid_raw))
    etype = get("type")
    if forced_type:
        if etype not in (None, forced_type):
            return Rejection(index, "type", f"type {etype!r} sent to the /v1/{forced_type} endpoint", etype)
        etype = forced_type
    if etype not in TYPES:
        return Rejection(index, "type", f"unknown type (use one of {', '.join(TYPES)})", etype)
    if mid_raw is not None and (not isinstance(mid_raw, str) or not mid_raw or len(mid_raw) > 200):
        return Rejection(index, "messageId", "messageId must be a non-empty string of at most 200 characters", mid_raw)
    message_id = mid_raw or str(uuid.uuid4())
    uid_raw = get("userId")
    user_id = (uid_raw.strip() or None) if type(uid_raw) is str else _id(uid_raw)
    aid_raw = get("anonymousId")
    anonymous_id = (aid_raw.strip() or None) if type(aid_raw) is str else _id(aid_raw)
    if user_id is None and uid_raw is not None and uid_raw != "":
        return Rejection(index, "userId", "userId must be a string or a number", uid_raw, message_id)
    if anonymous_id is None and aid_raw is not None and aid_raw != "":
        return Rejection(index, "anonymousId", "anonymousId must be a string or a number", aid_raw, message_id)
    if user_id is None and anonymous_id is None:
        return Rejection(index, "userId", "either userId or anonymousId is required", None, message_id)
    props_raw = get("properties")
    ctx_raw = get("context")
    traits = get("traits")
    if not ((props_raw is None or type(props_raw) is dict) and (ctx_raw is None or type(ctx_raw) is dict)
            and (traits is None or type(traits) is dict)):
        for fld in _OBJECT_FIELDS:
            if get(fld) is not None and not isinstance(get(fld), dict):
                return Rejection(index, fld, f"{fld} must be a JSON object", type(get(fld)).__name__, message_id)
    # Not copied: the row shares the message's objects (a copy is made below only where one is extended).
    props: dict[str, Any] = props_raw or {}
    ctx: dict[str, Any] = ctx_raw or {}
    if traits is None and etype == "identify":
        traits = ctx.get("traits")
    event = None
    name = None
    if etype == "track":
        event = get("event")
        if not isinstance(event, str) or not event.strip():
            return Rejection(index, "event", "track needs a non-empty event name", event, message_id)
        event = event.strip()
    elif etype == "page" or etype == "screen":
        name = get("name")
        if name is not None and not isinstance(name, str):
            return Rejection(index, "name", "name must be a string", name, message_id)
    elif etype == "alias":
        prev = _id(get("previousId"))
        if prev is None or user_id is None:
            return Rejection(index, "previousId" if prev is None else "userId", "alias needs previousId and userId", None, message_id)
        props = {**props, "previous_id": prev}  # a copy: the caller's message is left as it came
    elif etype == "group":
        gid = _id(get("groupId"))
        if gid is None:
            return Rejection(index, "groupId", "group needs a groupId", get("groupId"), message_id)
        props = {**props, "group_id": gid}
    if traits is not None:
        if not isinstance(traits, dict):
            return Rejection(index, "traits", "traits must be a JSON object", None, message_id)
        if etype == "identify" or etype == "group":
            props = {**props, "traits": traits}
    # Timestamps: the event's own time, corrected for the device clock by sentAt (Segment's rule).
    ts_raw = msg["timestamp"] if "timestamp" in msg else get("originalTimestamp")
    if ts_raw is not None:
        ts = parse_time(ts_raw)
        if ts is None:
            return Rejection(index, "timestamp", "timestamp is not an ISO-8601 date-time", ts_raw, message_id)
        sent_raw = get("sentAt", sent_at)
        if sent_raw is not None:
            sent = _parse_sent_at(sent_raw) if isinstance(sent_raw, str) else parse_time(sent_raw)
            if sent is None:
                return Rejection(index, "sentAt", "sentAt is not an ISO-8601 date-time", sent_raw, message_id)
            try:
                ts = ts + (received_at - sent)
            except OverflowError:
                return Rejection(index, "sentAt", "sentAt is too far from the time the event was received", sent_raw, message_id)
        if ts > received_at + _DAY:
            return Rejection(index, "timestamp", "timestamp is more than a day in the future", ts_raw, message_id)
    else:
        ts = received_at
    url, path, referrer, channel, camp_name, revenue = derived_fields(
        etype, PropsView(props), ctx.get("page"), ctx.get("campaign"), ctx.get("channel"))
    return (
        message_id, etype, event, name, user_id, anonymous_id, ts, received_at, url, path, referrer, channel,
        camp_name, revenue, props, ctx, source,
        traits if etype == "identify" else None,
    )
