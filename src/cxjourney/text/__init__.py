"""Text analytics of customer comments: language, PII masking, sentiment (PL/EN, offline), a trainable
domain classifier, themes, pain points, search and the emotion curve along the journey."""

from cxjourney.text.language import detect_language
from cxjourney.text.pii import can_see_raw, mask_pii
from cxjourney.text.sentiment import (
    LexiconAnalyzer,
    Sentiment,
    SentimentAnalyzer,
    analyzer_for_workspace,
    default_analyzer,
    label_for,
)

__all__ = [
    "LexiconAnalyzer",
    "Sentiment",
    "SentimentAnalyzer",
    "analyzer_for_workspace",
    "can_see_raw",
    "default_analyzer",
    "detect_language",
    "label_for",
    "mask_pii",
]
