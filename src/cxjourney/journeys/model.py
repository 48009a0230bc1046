"""The journey file's contract (pydantic). A journey is versioned YAML; see docs/journeys.md."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_RE = r"^[a-z0-9][a-z0-9_\-]*$"
EVENT_TYPES = ("track", "page", "screen", "identify", "alias", "group")


class Text(BaseModel):
    """Text in English and Polish. A plain string in YAML means the same text in both."""

    model_config = ConfigDict(extra="forbid")
    en: str
    pl: str

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"en": v, "pl": v}
        if isinstance(v, dict) and ("en" in v) != ("pl" in v):
            only = v.get("en", v.get("pl"))
            return {"en": only, "pl": only, **{k: x for k, x in v.items() if k not in ("en", "pl")}}
        return v

    def get(self, lang: str) -> str:
        return self.pl if lang == "pl" else self.en


PropertyCondition = str | int | float | bool | list[str | int | float] | dict[str, Any]


class Matcher(BaseModel):
    """Which events belong to a touchpoint. Every given condition must hold (AND); lists mean any-of."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["track", "page", "screen", "identify", "alias", "group"] | list[
        Literal["track", "page", "screen", "identify", "alias", "group"]
    ] | None = None
    event: str | list[str] | None = None
    name: str | list[str] | None = None
    url: str | None = Field(default=None, description="Regular expression searched in the page URL.")
    path: str | None = Field(default=None, description="Regular expression searched in the URL path.")
    channel: str | list[str] | None = None
    properties: dict[str, PropertyCondition] = {}

    @field_validator("url", "path")
    @classmethod
    def _regex_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"bad regular expression {v!r}: {exc}") from exc
        return v

    @field_validator("properties")
    @classmethod
    def _ops_known(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, cond in v.items():
            if isinstance(cond, dict):
                unknown = set(cond) - {"eq", "ne", "in", "gt", "gte", "lt", "lte", "regex", "exists"}
                if unknown:
                    raise ValueError(f"property {key!r}: unknown operator(s) {sorted(unknown)}")
                if "regex" in cond:
                    try:
                        re.compile(str(cond["regex"]))
                    except re.error as exc:
                        raise ValueError(f"property {key!r}: bad regular expression: {exc}") from exc
        return v

    @model_validator(mode="after")
    def _not_empty(self) -> Matcher:
        if not any([self.type, self.event, self.name, self.url, self.path, self.channel, self.properties]):
            raise ValueError("a matcher needs at least one condition (type, event, name, url, path, channel, properties)")
        return self


class Touchpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_RE)
    name: Text
    channel: str | None = None
    match: Matcher
    survey: str | None = None
    metrics: list[str] = []
    targets: dict[str, float] = {}


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_RE)
    name: Text
    description: Text | None = None
    metrics: list[str] = []
    targets: dict[str, float] = {}
    benchmarks: dict[str, float] = {}
    weight: float = Field(default=1.0, ge=0)
    touchpoints: list[Touchpoint] = Field(min_length=1)


class Journey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_RE)
    name: Text
    version: int = Field(ge=1)
    description: Text | None = None
    stages: list[Stage] = Field(min_length=1)
    source_file: str | None = Field(default=None, exclude=True)

    def touchpoints(self) -> list[tuple[Stage, Touchpoint]]:
        return [(s, t) for s in self.stages for t in s.touchpoints]

    def stage_of(self, touchpoint_id: str) -> Stage | None:
        for s, t in self.touchpoints():
            if t.id == touchpoint_id:
                return s
        return None
