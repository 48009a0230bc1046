"""The survey file's contract (pydantic). A survey is YAML in the workspace's ``surveys/``; see docs/surveys.md."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_RE = r"^[a-z0-9][a-z0-9_\-]*$"
KINDS = ("nps", "csat", "ces", "rating", "single", "multiple", "text")
SCORE_KINDS = ("nps", "csat", "ces", "rating")
# Fixed scales of the standard questions; a rating question sets its own (default 1-5).
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
CHANNELS = ("widget", "link", "email")
# The kind stored in responses.kind for each question type.
STORED_KIND = {"nps": "nps", "csat": "csat", "ces": "ces", "rating": "rating", "single": "choice",
               "multiple": "choice", "text": "text"}


class Text(BaseModel):
    """Every text of a survey in English and Polish; both are required."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1)
    pl: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _both(cls, v: Any) -> Any:
        if isinstance(v, str):
            raise ValueError("give the text in both languages: {en: ..., pl: ...}")
        return v

    def get(self, lang: str) -> str:
        return self.pl if lang == "pl" else self.en


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_RE)
    text: Text


class ShowIf(BaseModel):
    """Follow-up logic: show the question only when an earlier score question's answer is in range."""

    model_config = ConfigDict(extra="forbid")
    question: str
    min: float | None = None
    max: float | None = None
    group: Literal["detractor", "passive", "promoter"] | None = Field(
        default=None, description="NPS shorthand: detractor = 0-6, passive = 7-8, promoter = 9-10.")

    @model_validator(mode="after")
    def _some_condition(self) -> ShowIf:
        if self.min is None and self.max is None and self.group is None:
            raise ValueError("show_if needs min, max or group")
        return self

    def bounds(self) -> tuple[float, float]:
        if self.group is not None:
            return {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}[self.group]
        return (self.min if self.min is not None else float("-inf"), self.max if self.max is not None else float("inf"))

    def holds(self, score: float | None) -> bool:
        if score is None:
            return False
        lo, hi = self.bounds()
        return lo <= score <= hi


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_RE)
    type: Literal["nps", "csat", "ces", "rating", "single", "multiple", "text"]
    text: Text
    required: bool = False
    scale: tuple[int, int] | None = Field(default=None, description="Only for rating questions (default 1-5).")
    low_label: Text | None = None
    high_label: Text | None = None
    choices: list[Choice] = []
    max_length: int = Field(default=5000, ge=1, le=20000)
    show_if: ShowIf | None = None

    @model_validator(mode="after")
    def _type_fields(self) -> Question:
        if self.type in ("single", "multiple") and len(self.choices) < 2:
            raise ValueError(f"a {self.type} question needs at least two choices")
        if self.type not in ("single", "multiple") and self.choices:
            raise ValueError(f"choices are only for single/multiple questions, not {self.type}")
        if self.scale is not None:
            if self.type != "rating":
                raise ValueError(f"the scale of a {self.type} question is fixed; scale is only for rating questions")
            if self.scale[0] >= self.scale[1]:
                raise ValueError("scale must be [low, high] with low < high")
        ids = [c.id for c in self.choices]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate choice id")
        return self

    @property
    def bounds(self) -> tuple[int, int] | None:
        if self.type in SCALES:
            return SCALES[self.type]
        if self.type == "rating":
            return self.scale or (1, 5)
        return None

    @property
    def stored_kind(self) -> str:
        return STORED_KIND[self.type]


class Trigger(BaseModel):
    """When the widget offers the survey. Every given condition of one trigger must hold; a list means any."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, description="Regular expression searched in the page URL.")
    event: str | None = Field(default=None, description="A tracked event name (cxj.track(name) or analytics.track).")
    delay_seconds: float = Field(default=0, ge=0, le=3600)
    exit_intent: bool = False

    @field_validator("url")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"bad regular expression {v!r}: {exc}") from exc
        return v


class Widget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    triggers: list[Trigger] = Field(min_length=1)
    sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)


Channel = Literal["widget", "link", "email"]


def _all_channels() -> list[Channel]:
    return ["widget", "link", "email"]


class Survey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_RE)
    version: int = Field(default=1, ge=1)
    name: Text
    intro: Text | None = None
    thanks: Text | None = None
    touchpoint: str = Field(pattern=ID_RE, description="The journey touchpoint this survey measures.")
    journey: str | None = Field(default=None, pattern=ID_RE)
    channels: list[Channel] = Field(default_factory=_all_channels)
    widget: Widget | None = None
    questions: list[Question] = Field(min_length=1)
    source_file: str | None = Field(default=None, exclude=True)

    def question(self, qid: str) -> Question | None:
        for q in self.questions:
            if q.id == qid:
                return q
        return None

    def score_question(self) -> Question | None:
        for q in self.questions:
            if q.type in SCORE_KINDS:
                return q
        return None
