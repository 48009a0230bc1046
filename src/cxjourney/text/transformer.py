"""Optional backend: a sequence-classification transformer loaded from a local directory the user provides
(``from_pretrained(dir, local_files_only=True)``: nothing is downloaded). Needs the ``transformers`` extra
(``pip install 'cxjourney[transformers]'``, which pins ``torch==2.13.0``).

Labels are read from the model's ``id2label``: names containing "neg", "neu", "pos" (any case); a model with
anonymous labels (``LABEL_0``...) is read as (negative, positive) with two labels or (negative, neutral,
positive) with three. ``score`` = P(positive) - P(negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cxjourney.errors import ValidationFailed
from cxjourney.text.sentiment import BaseAnalyzer, Sentiment, resolve_language


def _label_map(id2label: dict[int, str]) -> dict[int, str]:
    names = {int(i): str(n).lower() for i, n in id2label.items()}
    out: dict[int, str] = {}
    for i, n in names.items():
        for key, label in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive")):
            if key in n:
                out[i] = label
    if len(out) == len(names):
        return out
    if len(names) == 2:
        return {0: "negative", 1: "positive"}
    if len(names) == 3:
        return {0: "negative", 1: "neutral", 2: "positive"}
    raise ValidationFailed(
        f"cannot tell which of the model's labels {sorted(names.values())} are negative/neutral/positive",
        errors=[{"field": "id2label", "value": sorted(names.values()), "message": "name them negative/neutral/positive"}],
    )


class TransformerAnalyzer(BaseAnalyzer):
    def __init__(self, model_dir: str | Path, *, batch_size: int = 32, max_length: int = 256):
        path = Path(model_dir)
        if not path.is_dir():
            raise ValidationFailed(f"{path}: no such model directory",
                                   errors=[{"field": "--model-dir", "value": str(path), "message": "not a directory"}])
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ValidationFailed(
                "the transformer backend needs the 'transformers' extra: pip install 'cxjourney[transformers]'",
                errors=[{"field": "--backend", "value": "transformer", "message": str(exc)}],
            ) from exc
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ValidationFailed(f"{path}: not a loadable sequence-classification model ({exc})",
                                   errors=[{"file": str(path), "message": str(exc)}]) from exc
        self.model.eval()
        self.labels = _label_map(self.model.config.id2label)
        self.batch_size = batch_size
        self.max_length = max_length
        self.name = f"transformer:{path.name}"

    def analyze(self, text: str, language: str | None = None) -> Sentiment:
        return self.analyze_many([text], [language])[0]

    def analyze_many(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        import torch

        langs = list(languages) if languages is not None else [None] * len(texts)
        out: list[Sentiment] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = [t or "" for t in texts[start:start + self.batch_size]]
            enc = self.tokenizer(chunk, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
            with torch.no_grad():
                probs = torch.softmax(self.model(**enc).logits, dim=-1).tolist()
            for j, row in enumerate(probs):
                p = {self.labels[i]: v for i, v in enumerate(row)}
                score = float(p.get("positive", 0.0) - p.get("negative", 0.0))
                label = self.labels[max(range(len(row)), key=row.__getitem__)]
                lang = resolve_language(chunk[j], langs[start + j])
                out.append(Sentiment(round(score, 4), label, "other" if lang == "unknown" else lang, self.name))
        return out
