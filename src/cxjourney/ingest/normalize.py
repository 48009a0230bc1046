"""Validate Segment-spec messages and turn them into canonical event rows (snake_case).

Each message is either accepted (a row) or rejected with a named field and reason. Nothing is dropped
silently. Spec: https://segment.com/docs/connections/spec/ (common fields, track, page, screen, identify,
alias, group) and the HTTP Tracking API (sentAt clock-skew correction, 32 KB per message).
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        secs = value / 1000.0 if value > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(secs, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    s = value.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    if not (1970 <= dt.year <= 2200):
        return None
    return dt


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


def derive_channel(etype: str, props: dict[str, Any], ctx: dict[str, Any]) -> str | None:
    ch = props.get("channel") or ctx.get("channel")
    if isinstance(ch, str) and ch:
        return ch.lower()
    campaign = ctx.get("campaign") if isinstance(ctx.get("campaign"), dict) else {}
    medium = campaign.get("medium")
    if isinstance(medium, str) and medium:
        return MEDIUM_CHANNEL.get(medium.lower(), medium.lower())
    if etype == "page":
        return "web"
    if etype == "screen":
        return "app"
    return None


def normalize(
    msg: Any,
    index: int,
    *,
    received_at: datetime,
    sent_at: Any = None,
    forced_type: str | None = None,
    max_bytes: int = 32 * 1024,
    source: str = "api",
    raw_size: int | None = None,
) -> dict[str, Any] | Rejection:
    """One message -> canonical row dict, or a Rejection naming the field."""
    if not isinstance(msg, dict):
        return Rejection(index, "", f"each event must be a JSON object, got {type(msg).__name__}")
    mid_raw = msg.get("messageId")
    size = raw_size if raw_size is not None else len(orjson.dumps(msg))
    if size > max_bytes:
        return Rejection(index, "", f"event is {size} bytes; the limit is {max_bytes} bytes", message_id=_id(mid_raw))
    etype = forced_type or msg.get("type")
    if forced_type and msg.get("type") not in (None, forced_type):
        return Rejection(index, "type", f"type {msg.get('type')!r} sent to the /v1/{forced_type} endpoint", msg.get("type"))
    if etype not in TYPES:
        return Rejection(index, "type", f"unknown type (use one of {', '.join(TYPES)})", etype)
    if mid_raw is not None and (not isinstance(mid_raw, str) or not mid_raw or len(mid_raw) > 200):
        return Rejection(index, "messageId", "messageId must be a non-empty string of at most 200 characters", mid_raw)
    message_id = mid_raw or str(uuid.uuid4())
    user_id = _id(msg.get("userId"))
    anonymous_id = _id(msg.get("anonymousId"))
    if msg.get("userId") not in (None, "") and user_id is None:
        return Rejection(index, "userId", "userId must be a string or a number", msg.get("userId"), message_id)
    if msg.get("anonymousId") not in (None, "") and anonymous_id is None:
        return Rejection(index, "anonymousId", "anonymousId must be a string or a number", msg.get("anonymousId"), message_id)
    if user_id is None and anonymous_id is None:
        return Rejection(index, "userId", "either userId or anonymousId is required", None, message_id)
    for fld in ("properties", "traits", "context"):
        if msg.get(fld) is not None and not isinstance(msg.get(fld), dict):
            return Rejection(index, fld, f"{fld} must be a JSON object", type(msg.get(fld)).__name__, message_id)
    props: dict[str, Any] = dict(msg.get("properties") or {})
    ctx: dict[str, Any] = dict(msg.get("context") or {})
    traits = msg.get("traits")
    if traits is None and etype == "identify":
        traits = ctx.get("traits")
    event = None
    name = None
    if etype == "track":
        event = msg.get("event")
        if not isinstance(event, str) or not event.strip():
            return Rejection(index, "event", "track needs a non-empty event name", event, message_id)
        event = event.strip()
    elif etype in ("page", "screen"):
        n = msg.get("name")
        if n is not None and not isinstance(n, str):
            return Rejection(index, "name", "name must be a string", n, message_id)
        name = n
    elif etype == "alias":
        prev = _id(msg.get("previousId"))
        if prev is None or user_id is None:
            return Rejection(index, "previousId" if prev is None else "userId", "alias needs previousId and userId", None, message_id)
        props["previous_id"] = prev
    elif etype == "group":
        gid = _id(msg.get("groupId"))
        if gid is None:
            return Rejection(index, "groupId", "group needs a groupId", msg.get("groupId"), message_id)
        props["group_id"] = gid
    if traits is not None:
        if not isinstance(traits, dict):
            return Rejection(index, "traits", "traits must be a JSON object", None, message_id)
        if etype in ("identify", "group"):
            props["traits"] = traits
    # Timestamps: the event's own time, corrected for the device clock by sentAt (Segment's rule).
    ts_raw = msg.get("timestamp", msg.get("originalTimestamp"))
    if ts_raw is not None:
        ts = parse_time(ts_raw)
        if ts is None:
            return Rejection(index, "timestamp", "timestamp is not an ISO-8601 date-time", ts_raw, message_id)
    else:
        ts = received_at
    sent_raw = msg.get("sentAt", sent_at)
    if sent_raw is not None and ts_raw is not None:
        sent = _parse_sent_at(sent_raw) if isinstance(sent_raw, str) else parse_time(sent_raw)
        if sent is None:
            return Rejection(index, "sentAt", "sentAt is not an ISO-8601 date-time", sent_raw, message_id)
        ts = ts + (received_at - sent)
    if ts > received_at + timedelta(days=1):
        return Rejection(index, "timestamp", "timestamp is more than a day in the future", ts_raw, message_id)
    page = ctx.get("page") if isinstance(ctx.get("page"), dict) else {}
    url = props.get("url") if etype == "page" else None
    url = url or page.get("url")
    url = url if isinstance(url, str) else None
    path = props.get("path") if etype == "page" else None
    path = path or page.get("path") or (urlparse(url).path if url else None)
    path = path if isinstance(path, str) else None
    referrer = props.get("referrer") or page.get("referrer")
    campaign = ctx.get("campaign") if isinstance(ctx.get("campaign"), dict) else {}
    camp_name = campaign.get("name") or props.get("campaign")
    if not camp_name and url and "utm_campaign" in url:
        camp_name = (parse_qs(urlparse(url).query).get("utm_campaign") or [None])[0]
    revenue = _num(props.get("revenue"))
    if revenue is None:
        revenue = _num(props.get("total"))
    return {
        "message_id": message_id,
        "type": etype,
        "event": event,
        "name": name,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "timestamp": ts,
        "received_at": received_at,
        "url": url,
        "path": path,
        "referrer": referrer if isinstance(referrer, str) else None,
        "channel": derive_channel(etype, props, ctx),
        "campaign": camp_name if isinstance(camp_name, str) else None,
        "revenue": revenue,
        "properties": props,
        "context": ctx,
        "source": source,
        "traits": traits if etype == "identify" else None,
    }
