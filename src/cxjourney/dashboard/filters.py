"""The filters every page has (date range, journey, segment, channel). They live in the URL, so a view can
be shared by copying its address."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from cxjourney.errors import ValidationFailed

FILTER_KEYS = ("start", "end", "journey", "segment", "channel")


@dataclass(frozen=True)
class Filters:
    start: str | None = None
    end: str | None = None
    journey: str | None = None
    segment: str | None = None
    channel: str | None = None

    def as_params(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v}

    def query_string(self, **more: Any) -> str:
        items = {**self.as_params(), **{k: v for k, v in more.items() if v not in (None, "")}}
        return urlencode(items)


def parse_filters(params: Any) -> Filters:
    """From the URL's query parameters; a malformed date is a clear error naming the field."""
    vals: dict[str, str | None] = {}
    errors = []
    for key in FILTER_KEYS:
        v = (params.get(key) or "").strip() or None
        if v and key in ("start", "end"):
            try:
                date.fromisoformat(v)
            except ValueError:
                errors.append({"field": key, "value": v, "message": "use a date like 2026-01-31"})
        if v and len(v) > 200:
            errors.append({"field": key, "value": v[:50], "message": "too long"})
        vals[key] = v
    if vals["start"] and vals["end"] and not errors and vals["start"] > vals["end"]:
        errors.append({"field": "end", "value": vals["end"], "message": "the end date is before the start date"})
    if errors:
        raise ValidationFailed("invalid filter", errors=errors)
    return Filters(**vals)
