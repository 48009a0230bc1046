"""A faster, exact evaluation of a fitted sentiment pipeline (:func:`cxjourney.text.classifier.build_pipeline`).

scikit-learn's ``TfidfVectorizer.transform`` cuts every comment into character n-grams again, although the
n-grams of ``char_wb`` are those of each word separately (each word padded with one space): so the n-grams
of a word are computed once, looked up in the vocabulary once, and cached. The TF-IDF weights
(``1 + log(count)`` times idf, L2-normalised per block), the lexicon column and the multinomial logistic
regression (softmax of ``X @ coef.T + intercept``) are then evaluated as one sparse matrix product. The
probabilities equal ``pipeline.predict_proba`` to rounding error (a test checks this on every labelled
comment); if the pipeline is not of the expected shape, :func:`compile_pipeline` returns None and the
caller uses scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np


class CompiledPipeline:
    def __init__(self, lemma_docs: Callable[..., list[str]], lemma_vec: Any, folded_docs: Callable[..., list[str]],
                 char_vec: Any, lexicon: Callable[..., Any], model: Any):
        self.lemma_docs = lemma_docs
        self.folded_docs = folded_docs
        self.lexicon = lexicon
        self.lemma_analyzer = lemma_vec.build_analyzer()
        self.lemma_vocab: dict[str, int] = dict(lemma_vec.vocabulary_)
        self.lemma_idf = np.asarray(lemma_vec.idf_, dtype=float)
        char_analyzer = char_vec.build_analyzer()
        char_vocab: dict[str, int] = dict(char_vec.vocabulary_)
        self.char_idf = np.asarray(char_vec.idf_, dtype=float)
        self.n_lemma = len(self.lemma_idf)
        self.n_char = len(self.char_idf)

        @lru_cache(maxsize=200_000)
        def word_ngrams(word: str) -> tuple[int, ...]:
            return tuple(char_vocab[g] for g in char_analyzer(word) if g in char_vocab)

        self.word_ngrams = word_ngrams
        self.coef = np.asarray(model.coef_, dtype=float)
        self.intercept = np.asarray(model.intercept_, dtype=float)
        self.classes_ = list(model.classes_)

    def _tfidf(self, rows: list[Counter[int]], idf: np.ndarray) -> Any:
        """Sublinear TF-IDF, L2-normalised per row, of per-row feature counts (as scikit-learn computes it)."""
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for c in rows:
            indices += c.keys()
            counts += c.values()
            indptr.append(len(indices))
        idx = np.asarray(indices, dtype=np.int64)
        data = (1.0 + np.log(np.asarray(counts, dtype=float))) * idf[idx] if len(idx) else np.zeros(0)
        return normalize(csr_matrix((data, idx, indptr), shape=(len(rows), len(idf))), norm="l2", copy=False)

    def predict_proba(self, X: Sequence[tuple[str, str]]) -> np.ndarray:
        from scipy.sparse import csr_matrix, hstack

        lemma_vocab = self.lemma_vocab
        lemma_analyzer = self.lemma_analyzer
        word_ngrams = self.word_ngrams
        lemma_rows = [Counter(lemma_vocab[t] for t in lemma_analyzer(d) if t in lemma_vocab)
                      for d in self.lemma_docs(X)]
        char_rows: list[Counter[int]] = []
        for d in self.folded_docs(X):
            c: Counter[int] = Counter()
            for word in d.split():
                c.update(word_ngrams(word))
            char_rows.append(c)
        lex = np.asarray(self.lexicon(X), dtype=float).reshape(len(X), -1)
        M = hstack([self._tfidf(lemma_rows, self.lemma_idf), self._tfidf(char_rows, self.char_idf),
                    csr_matrix(lex)], format="csr")
        logits = np.asarray(M @ self.coef.T) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return np.asarray(e / e.sum(axis=1, keepdims=True))


def compile_pipeline(pipeline: Any) -> CompiledPipeline | None:
    """The fast evaluator of a pipeline built by ``build_pipeline``, or None for any other shape."""
    try:
        features = pipeline.named_steps["features"]
        model = pipeline.named_steps["model"]
        parts = dict(features.transformer_list)
        lemma, chars, lexicon = parts["lemmas"], parts["chars"], parts["lexicon"]
        lemma_fn, lemma_vec = lemma.steps[0][1].func, lemma.steps[1][1]
        fold_fn, char_vec = chars.steps[0][1].func, chars.steps[1][1]
        ok = (
            list(parts) == ["lemmas", "chars", "lexicon"]
            and char_vec.analyzer == "char_wb" and lemma_vec.analyzer == "word"
            and all(v.sublinear_tf and v.use_idf and v.norm == "l2" and v.binary is False
                    for v in (lemma_vec, char_vec))
            and len(model.classes_) > 2 and features.transformer_weights is None
        )
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    if not ok:
        return None
    return CompiledPipeline(lemma_fn, lemma_vec, fold_fn, char_vec, lexicon.func, model)
