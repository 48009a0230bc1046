"""One interface for every sentiment backend.

``analyzer.analyze(text) -> Sentiment(score, label, language, analyzer)`` with ``score`` in [-1, 1] and
``label`` one of negative / neutral / positive. Backends:

* the project classifier (default; :mod:`cxjourney.text.project_model`): the trainable classifier below,
  fitted on the labelled comments written for cxjourney and shipped in the package.
* :class:`LexiconAnalyzer` (offline, no training, also a feature of every classifier): Polish with the
  project's lexicon (:mod:`cxjourney.text.polish`), English with VADER plus a CX supplement
  (:mod:`cxjourney.text.english`).
* :class:`cxjourney.text.classifier.TrainedAnalyzer`: a domain classifier trained on the customer's own
  labelled comments (``cxjourney text train``); once a workspace has one, :func:`analyzer_for_workspace`
  returns it.
* :class:`cxjourney.text.transformer.TransformerAnalyzer`: a sequence-classification model from a local
  directory (optional; needs ``transformers``).

Comments in another language ("other") get ``score=None`` and ``label=None``: they are kept and shown, but
not scored, rather than scored with the wrong vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cxjourney.text.language import detect_language

LABELS = ("negative", "neutral", "positive")
#: Scores strictly above this are positive, strictly below its negative are negative.
NEUTRAL_BAND = 0.15


@dataclass(frozen=True)
class Sentiment:
    score: float | None
    label: str | None
    language: str
    analyzer: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def label_for(score: float | None, band: float = NEUTRAL_BAND) -> str | None:
    """negative / neutral / positive for a score (None stays None)."""
    if score is None:
        return None
    if score > band:
        return "positive"
    if score < -band:
        return "negative"
    return "neutral"


@runtime_checkable
class SentimentAnalyzer(Protocol):
    name: str

    def analyze(self, text: str, language: str | None = None) -> Sentiment: ...

    def analyze_many(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]: ...


class BaseAnalyzer:
    """``analyze_many`` in terms of ``analyze``; backends with a faster batch path override it."""

    name = "base"

    def analyze(self, text: str, language: str | None = None) -> Sentiment:  # pragma: no cover - abstract
        raise NotImplementedError

    def analyze_many(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        langs = list(languages) if languages is not None else [None] * len(texts)
        return [self.analyze(t, lang) for t, lang in zip(texts, langs, strict=True)]


def resolve_language(text: str, language: str | None) -> str:
    """The language to score ``text`` in: a given "pl"/"en" wins; otherwise detection (short texts without
    any evidence are "unknown", which the lexicon backend scores with whichever vocabulary knows them)."""
    if language in ("pl", "en"):
        return language
    return detect_language(text, default="unknown")


class LexiconAnalyzer(BaseAnalyzer):
    """Offline default: the project's Polish lexicon and VADER (+ CX words) for English."""

    name = "lexicon-v1"

    def __init__(self, neutral_band: float = NEUTRAL_BAND):
        self.neutral_band = neutral_band

    def score(self, text: str, language: str) -> float | None:
        from cxjourney.text.english import english_score
        from cxjourney.text.polish import polish_score

        if language == "pl":
            return polish_score(text)
        if language == "en":
            return english_score(text)
        return None

    def analyze(self, text: str, language: str | None = None) -> Sentiment:
        text = text or ""
        lang = resolve_language(text, language)
        if lang == "unknown":
            pl, en = self.score(text, "pl"), self.score(text, "en")
            score = pl if abs(pl or 0.0) >= abs(en or 0.0) else en
            return Sentiment(_round(score), label_for(score, self.neutral_band), "other", self.name)
        score = self.score(text, lang)
        return Sentiment(_round(score), label_for(score, self.neutral_band), lang, self.name)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def default_analyzer() -> SentimentAnalyzer:
    """The project classifier (:mod:`cxjourney.text.project_model`): trained on the labelled comments
    written for cxjourney, with the lexicon score as one of its features."""
    from cxjourney.text.project_model import project_analyzer

    return project_analyzer()


def model_path(workspace: str | Path) -> Path:
    """Where a workspace's trained sentiment classifier lives."""
    return Path(workspace) / "models" / "sentiment.joblib"


def analyzer_for_workspace(workspace: str | Path | None) -> SentimentAnalyzer:
    """The workspace's trained classifier if it has one (``cxjourney text train``), else the project one."""
    if workspace is not None:
        path = model_path(workspace)
        if path.exists():
            from cxjourney.text.classifier import TrainedAnalyzer

            return TrainedAnalyzer.load(path)
    return default_analyzer()
