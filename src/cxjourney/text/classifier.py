"""A domain sentiment classifier trained on the customer's own labelled comments.

Features: TF-IDF of word lemmas (unigrams and bigrams, with a ``nie_``/``not_`` prefix on the word after a
negation so "nie polecam" and "polecam" differ), TF-IDF of character 2-5-grams of the ASCII-folded text
(robust to typos and missing Polish letters), and the lexicon analyzer's score as one extra feature, so even
a small labelled set starts from the lexicon's knowledge. Model: multinomial logistic regression.

``train_classifier`` holds out a stratified share of the rows (``test_size``, seeded), reports accuracy,
macro-F1, positive-vs-negative accuracy and the confusion matrix on them, then refits on every row for
the stored model. ``cxjourney text train`` saves it to ``<workspace>/models/sentiment.joblib`` with the
evaluation beside it (``sentiment-evaluation.json``); from then on the workspace uses it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from cxjourney.errors import InsufficientData, ValidationFailed
from cxjourney.text.evaluate import evaluate_labels
from cxjourney.text.sentiment import LABELS, BaseAnalyzer, LexiconAnalyzer, Sentiment, resolve_language
from cxjourney.text.tokens import fold, lemma, tokenize

MODEL_VERSION = 1
MIN_ROWS = 20
_NEGATIONS = frozenset({"nie", "brak", "bez", "not", "no", "never", "without", "don't", "didn't", "doesn't",
                        "isn't", "wasn't", "won't", "can't", "cannot", "couldn't", "dont", "didnt", "doesnt"})


def lemma_text(text: str, language: str) -> str:
    """Space-joined lemmas with the word after a negation marked (``nie_polecać``)."""
    lang = language if language in ("pl", "en") else "pl"
    out: list[str] = []
    negate = False
    for tok in tokenize(text):
        if tok in _NEGATIONS:
            negate = True
            out.append(tok)
            continue
        lem = fold(lemma(tok, lang))
        out.append(("neg_" + lem) if negate else lem)
        negate = False
    return " ".join(out)


def _lemma_docs(rows: Sequence[tuple[str, str]]) -> list[str]:
    return [lemma_text(t, lang) for t, lang in rows]


def _folded_docs(rows: Sequence[tuple[str, str]]) -> list[str]:
    return [fold(t.lower()) for t, _ in rows]


def _lexicon_feature(rows: Sequence[tuple[str, str]]) -> np.ndarray:
    lex = LexiconAnalyzer()
    return np.array([[lex.analyze(t, lang).score or 0.0] for t, lang in rows])


def build_pipeline(seed: int = 0) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    features = FeatureUnion([
        ("lemmas", make_pipeline(FunctionTransformer(_lemma_docs),
                                 TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True))),
        ("chars", make_pipeline(FunctionTransformer(_folded_docs),
                                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True))),
        ("lexicon", FunctionTransformer(_lexicon_feature)),
    ])
    return Pipeline([("features", features),
                     ("model", LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced", random_state=seed))])


def _inputs(texts: Sequence[str], languages: Sequence[str | None]) -> list[tuple[str, str]]:
    out = []
    for t, lang in zip(texts, languages, strict=True):
        resolved = resolve_language(t, lang)
        out.append((t, resolved if resolved in ("pl", "en") else "pl"))
    return out


def train_classifier(rows: Sequence[dict[str, str]], *, test_size: float = 0.25, seed: int = 0,
                     now: datetime | None = None) -> tuple[TrainedAnalyzer, dict[str, Any]]:
    """Fit on labelled rows (``text``, ``label``, optional ``language``); returns (analyzer, evaluation)."""
    from sklearn.model_selection import train_test_split

    if not 0.05 <= test_size <= 0.5:
        raise ValidationFailed("test_size must be between 0.05 and 0.5",
                               errors=[{"field": "test_size", "value": test_size, "message": "out of range"}])
    labels = [r["label"] for r in rows]
    counts = {lab: labels.count(lab) for lab in LABELS if labels.count(lab)}
    if len(rows) < MIN_ROWS or len(counts) < 2 or min(counts.values()) < 2:
        raise InsufficientData(
            f"training needs at least {MIN_ROWS} labelled comments covering two or more labels, each at "
            f"least twice; got {len(rows)} ({counts})",
            errors=[{"field": "labelled", "value": len(rows), "message": "too few labelled comments"}],
        )
    X = _inputs([r["text"] for r in rows], [r.get("language") or None for r in rows])
    idx = np.arange(len(rows))
    train_idx, test_idx = train_test_split(idx, test_size=test_size, random_state=seed, stratify=labels)
    pipe = build_pipeline(seed)
    pipe.fit([X[i] for i in train_idx], [labels[i] for i in train_idx])
    held_out = TrainedAnalyzer(pipe)
    pred = held_out.analyze_many([rows[i]["text"] for i in test_idx], [X[i][1] for i in test_idx])
    metrics = evaluate_labels([labels[i] for i in test_idx], [p.label for p in pred], [p.score for p in pred])
    baseline = LexiconAnalyzer().analyze_many([rows[i]["text"] for i in test_idx], [X[i][1] for i in test_idx])
    lexicon_metrics = evaluate_labels([labels[i] for i in test_idx], [p.label for p in baseline],
                                      [p.score for p in baseline])
    final = build_pipeline(seed)
    final.fit(X, labels)
    evaluation = {
        "held_out": metrics,
        "lexicon_on_same_rows": {k: lexicon_metrics[k]
                                 for k in ("accuracy", "macro_f1", "polarity_accuracy", "sign_accuracy")},
        "n_rows": len(rows),
        "n_train": len(train_idx),
        "n_test": len(test_idx),
        "label_counts": counts,
        "test_size": test_size,
        "seed": seed,
        "trained_at": now.isoformat() if now else None,
        "model_version": MODEL_VERSION,
        "note": "metrics are on the held-out rows; the stored model is then refit on all rows",
    }
    return TrainedAnalyzer(final, evaluation=evaluation), evaluation


class TrainedAnalyzer(BaseAnalyzer):
    """The workspace's own classifier. ``score`` = P(positive) - P(negative); ``label`` = most probable."""

    name = "trained-v1"

    def __init__(self, pipeline: Any, evaluation: dict[str, Any] | None = None):
        self.pipeline = pipeline
        self.evaluation = evaluation or {}

    def analyze(self, text: str, language: str | None = None) -> Sentiment:
        return self.analyze_many([text], [language])[0]

    def analyze_many(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        langs = list(languages) if languages is not None else [None] * len(texts)
        resolved = [resolve_language(t or "", lang) for t, lang in zip(texts, langs, strict=True)]
        todo = [i for i, lang in enumerate(resolved) if lang != "other"]
        out: list[Sentiment] = [Sentiment(None, None, "other", self.name)] * len(texts)
        if not todo:
            return out
        X = [(texts[i] or "", resolved[i] if resolved[i] in ("pl", "en") else "pl") for i in todo]
        # Repeated comments ("Dziękuję", "All good") are scored once per batch.
        unique = list(dict.fromkeys(X))
        position = {x: k for k, x in enumerate(unique)}
        proba_unique = self.predict_proba(unique)
        proba = [proba_unique[position[x]] for x in X]
        classes = list(self.pipeline.classes_)
        for row, i in zip(proba, todo, strict=True):
            p = dict(zip(classes, row, strict=True))
            score = float(p.get("positive", 0.0) - p.get("negative", 0.0))
            label = str(classes[int(np.argmax(row))])
            lang = resolved[i] if resolved[i] in ("pl", "en") else "other"
            out[i] = Sentiment(round(score, 4), label, lang, self.name)
        return out

    def predict_proba(self, X: Sequence[tuple[str, str]]) -> Any:
        """Class probabilities of (text, language) pairs, through the exact fast path when it applies."""
        fast = self.__dict__.get("_fast", False)
        if fast is False:
            from cxjourney.text.fastpath import compile_pipeline

            fast = self.__dict__["_fast"] = compile_pipeline(self.pipeline)
        return fast.predict_proba(X) if fast is not None else self.pipeline.predict_proba(X)

    def save(self, path: str | Path) -> Path:
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"version": MODEL_VERSION, "pipeline": self.pipeline, "evaluation": self.evaluation}, path)
        path.with_name(path.stem + "-evaluation.json").write_text(
            json.dumps(self.evaluation, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> TrainedAnalyzer:
        import joblib

        try:
            blob = joblib.load(path)
        except Exception as exc:  # a corrupt or foreign file: say which
            raise ValidationFailed(f"{path}: not a cxjourney sentiment model ({exc})",
                                   errors=[{"file": str(path), "message": str(exc)}]) from exc
        if not isinstance(blob, dict) or blob.get("version") != MODEL_VERSION:
            raise ValidationFailed(f"{path}: unsupported sentiment model file; retrain with 'cxjourney text train'",
                                   errors=[{"file": str(path), "message": "unknown model version"}])
        return cls(blob["pipeline"], evaluation=blob.get("evaluation"))
