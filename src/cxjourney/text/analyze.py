"""(Re)compute ``comment_analysis`` for a store's survey comments: language, sentiment, theme and the
PII-masked comment, one row per (response_id, question_id) with a non-empty comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from cxjourney.text.language import detect_language
from cxjourney.text.pii import mask_pii
from cxjourney.text.sentiment import SentimentAnalyzer
from cxjourney.text.themes import extract_themes


def load_comments(store: Any, *, only_missing: bool = False) -> pd.DataFrame:
    """Responses with a non-empty comment (response_id, question_id, comment, language hint)."""
    r = store.table("responses")
    expr = r.filter(r.comment.notnull() & (r.comment.strip() != "")).select(
        "response_id", "question_id", "comment", "language"
    )
    if only_missing:
        ca = store.table("comment_analysis").select("response_id", "question_id")
        expr = expr.anti_join(ca, ["response_id", "question_id"])
    return expr.order_by(["response_id", "question_id"]).execute()


def analyze_comments(store: Any, analyzer: SentimentAnalyzer, *, now: datetime, only_missing: bool = False,
                     themes_k: int = 6, seed: int = 0) -> dict[str, Any]:
    """Score every comment (or only those not analysed yet) and write ``comment_analysis``."""
    with store.lock:  # the connection is shared with the server's other threads
        df = load_comments(store, only_missing=only_missing)
    texts = df["comment"].astype(str).tolist()
    hints = [h if h in ("pl", "en") else "unknown" for h in df["language"].fillna("").astype(str).str.lower()]
    langs = [detect_language(t, default=h) for t, h in zip(texts, hints, strict=True)]
    results = analyzer.analyze_many(texts, [lang if lang in ("pl", "en") else None for lang in langs])
    # Themes are fitted on the whole corpus; an incremental run leaves the new rows' theme empty until the
    # next full run.
    model = extract_themes([] if only_missing else texts, [] if only_missing else [r.language for r in results],
                           k=themes_k, seed=seed)
    if only_missing:
        model.assignment = [None] * len(texts)
    names = {t.id: t.name for t in model.themes}
    out = pd.DataFrame({
        "response_id": df["response_id"].astype(str),
        "question_id": df["question_id"].astype(str),
        "language": [r.language for r in results],
        "sentiment": [r.score for r in results],
        "label": [r.label for r in results],
        "theme": [names.get(a) if a else None for a in model.assignment],
        "masked_comment": [mask_pii(t) for t in texts],
        "analyzer": analyzer.name,
        "analyzed_at": now,
    })
    con = store.con
    with store.lock:
        con.execute("BEGIN TRANSACTION")
        try:
            if not only_missing:
                con.execute("DELETE FROM comment_analysis")
            con.register("_cx_comment_analysis", out)
            con.execute(
                "INSERT INTO comment_analysis SELECT response_id, question_id, language, sentiment, label, theme, "
                "masked_comment, analyzer, analyzed_at FROM _cx_comment_analysis"
            )
            con.unregister("_cx_comment_analysis")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    counts = out["label"].value_counts(dropna=False).to_dict()
    return {
        "analyzed": len(out),
        "analyzer": analyzer.name,
        "labels": {str(k) if k is not None and k == k else "unscored": int(v) for k, v in counts.items()},
        "languages": {str(k): int(v) for k, v in out["language"].value_counts().to_dict().items()},
        "themes": len(model.themes),
        "only_missing": only_missing,
    }
