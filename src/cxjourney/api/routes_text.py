"""Text routes: score ad-hoc comments and (re)compute comment_analysis. The read side (emotion curve,
themes, pain points, search) is the query layer: ``POST /api/v1/query`` or ``GET /api/v1/query/{name}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cxjourney.api.deps import analyst, reader
from cxjourney.security.keys import Principal

router = APIRouter(prefix="/api/v1/text", tags=["text"])


class SentimentRequest(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=10_000, description="Comments to score.")
    language: str | None = Field(default=None, pattern="^(pl|en)$", description="pl or en; detected when omitted.")


class AnalyzeRequest(BaseModel):
    only_new: bool = False
    themes: int = Field(default=6, ge=1, le=30)
    seed: int = 0


@router.post("/sentiment", summary="Language, sentiment score in [-1, 1] and label of each comment")
def sentiment(body: SentimentRequest, request: Request, who: Principal = Depends(reader)) -> dict[str, Any]:
    from cxjourney.text.pii import can_see_raw, mask_pii
    from cxjourney.text.sentiment import analyzer_for_workspace

    analyzer = analyzer_for_workspace(request.app.state.settings.workspace)
    results = analyzer.analyze_many(body.texts, [body.language] * len(body.texts))
    raw = can_see_raw(who.role)
    return {"rows": [{"text": t if raw else mask_pii(t), "language": r.language, "score": r.score, "label": r.label}
                     for t, r in zip(body.texts, results, strict=True)],
            "meta": {"analyzer": analyzer.name, "n": len(results)}}


@router.post("/analyze", summary="(Re)compute comment_analysis for the workspace's survey comments")
def analyze(body: AnalyzeRequest, request: Request, who: Principal = Depends(analyst)) -> dict[str, Any]:
    from cxjourney.text.analyze import analyze_comments
    from cxjourney.text.sentiment import analyzer_for_workspace

    st = request.app.state
    return analyze_comments(st.store, analyzer_for_workspace(st.settings.workspace), now=st.clock(),
                            only_missing=body.only_new, themes_k=body.themes, seed=body.seed)
