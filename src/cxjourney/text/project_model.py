"""The default sentiment analyzer: the project's own classifier, trained on the labelled customer comments
written for cxjourney (``cxjourney/text/corpus/pl.csv`` and ``en.csv``, shipped in the package).

It is the same model as ``cxjourney text train`` builds from a customer's data (TF-IDF of lemmas and of
character n-grams plus the lexicon score, multinomial logistic regression; :mod:`cxjourney.text.classifier`),
fitted on the project corpus. Why not the lexicon alone: on comments written after the lexicon was tuned,
the lexicon alone reached 0.75 / 0.72 positive-vs-negative accuracy (PL / EN), below the project's 0.85 bar;
the classifier learns the many factual complaints without a sentiment word ("status hasn't changed in five
days") from the corpus. The held-out sets in ``tests/text/data`` were never used to train or tune either.

Nothing is downloaded: the model is fitted from the packaged corpus on first use (a few seconds) and cached
in ``$CXJ_CACHE_DIR`` (default ``$XDG_CACHE_HOME/cxjourney`` or ``~/.cache/cxjourney``) under a name that
includes a hash of the corpus, the model version and the scikit-learn version, so an upgrade refits it.
If the cache directory is not writable the model is kept in memory only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from cxjourney.text.classifier import MODEL_VERSION, TrainedAnalyzer, _inputs, build_pipeline

NAME = "project-v1"
SEED = 0
LANGUAGES = ("pl", "en")


def corpus_files() -> list[Path]:
    base = resources.files("cxjourney.text") / "corpus"
    return [Path(str(base / f"{lang}.csv")) for lang in LANGUAGES]


def corpus_rows() -> list[dict[str, str]]:
    """Every labelled comment of the project corpus (``text``, ``label``, ``language``, ``touchpoint``)."""
    from cxjourney.text.evaluate import read_labelled

    rows: list[dict[str, str]] = []
    for path in corpus_files():
        rows += read_labelled(path)
    return rows


def corpus_digest() -> str:
    import sklearn

    h = hashlib.sha256()
    for path in corpus_files():
        h.update(path.read_bytes())
    h.update(f"model={MODEL_VERSION};sklearn={sklearn.__version__};seed={SEED}".encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    explicit = os.environ.get("CXJ_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cxjourney"


def fit_project_model() -> TrainedAnalyzer:
    """Fit the project classifier on the whole corpus (deterministic: same corpus and seed, same model)."""
    rows = corpus_rows()
    X = _inputs([r["text"] for r in rows], [r.get("language") or None for r in rows])
    pipe = build_pipeline(SEED)
    pipe.fit(X, [r["label"] for r in rows])
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    evaluation: dict[str, Any] = {"corpus_rows": len(rows), "label_counts": counts, "seed": SEED,
                                  "note": "trained on the packaged project corpus; see docs/text.md for held-out figures"}
    analyzer = TrainedAnalyzer(pipe, evaluation=evaluation)
    analyzer.name = NAME
    return analyzer


@lru_cache(maxsize=1)
def project_analyzer() -> TrainedAnalyzer:
    """The project classifier, from the cache when it holds this corpus's model, else fitted and cached."""
    path = cache_dir() / f"sentiment-project-{corpus_digest()}.joblib"
    if path.exists():
        try:
            analyzer = TrainedAnalyzer.load(path)
            analyzer.name = NAME
            return analyzer
        except Exception:  # a damaged cache file is rebuilt, never trusted
            pass
    analyzer = fit_project_model()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        import joblib

        joblib.dump({"version": MODEL_VERSION, "pipeline": analyzer.pipeline, "evaluation": analyzer.evaluation}, tmp)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        pass  # read-only home: keep the fitted model in memory
    return analyzer
