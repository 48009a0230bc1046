"""English sentiment scoring: VADER's rules (negation, intensifiers, "but", capitals, punctuation) over
VADER's lexicon plus the CX supplement of :mod:`cxjourney.text.lexicon_en`. Multi-word CX expressions
("hassle-free", "never arrived", "spot on") are rewritten to single tokens that carry their valence before
VADER sees the text, and the same irony rule as for Polish applies (a lone "great"/"well done" next to a
clear complaint counts as negative).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from cxjourney.text.lexicon_en import CX_PHRASES, CX_SUPPLEMENT
from cxjourney.text.tokens import phrase_alternation

IRONY_PRONE = ("great", "fantastic", "brilliant", "wow", "congratulations", "well done", "oh great",
               "impressive", "thanks a lot", "wonderful", "perfect", "lovely")
_SURPRISE = re.compile(r"\b(?:didn'?t|did not|never|wouldn'?t have|would not have) expect(?:ed)?\b", re.IGNORECASE)
_INABILITY = re.compile(r"\b(?:can'?t|cannot|couldn'?t|unable to)\b", re.IGNORECASE)
INABILITY_VALENCE = -1.2
_SUPER = re.compile(r"\b(?:super|mega|uber|dead) (?=[a-z])", re.IGNORECASE)
_RESOLVED = re.compile(r"\b(solved|resolved|fixed|sorted|sorted out)(?: (?:my|the|this|our|that|an?))? "
                       r"(?:problem|problems|issue|issues)\b", re.IGNORECASE)
# A verb of something working or happening, negated: a failure ("won't even open", "hasn't changed",
# "didn't ring"). The marker goes before the negation, as for inability.
_FAILURE = re.compile(
    r"\b(?:won'?t|wouldn'?t|doesn'?t|didn'?t|don'?t|isn'?t|hasn'?t|haven'?t|never|not)\s+(?:even\s+)?(?:been\s+)?"
    r"(?:open|opens|opened|load|loads|loaded|apply|applied|handle|handles|understand|respond|responded|reply|"
    r"replied|answer|answered|ring|rang|call|called|arrive|arrived|come|came|show|shows|showed|shown|update|"
    r"updated|change|changed|accept|accepted|refund|refunded|fix|fixed|ship|shipped|start|starts|started|"
    r"turn up|turned up|connect|connected|send|sent|bother|bothered|notify|notified|tell|told|get back|got back|"
    r"pick up|picked up|recogni[sz]e|recogni[sz]ed|save|saved|sync|synced|go through|went through)\b",
    re.IGNORECASE)
FAILURE_VALENCE = -1.4
# "never shopping here again": one strong refusal, not a negation of what follows.
_NEVER_AGAIN = re.compile(r"\bnever\b(?=[^.!?]{0,40}\bagain\b)", re.IGNORECASE)
_CLAUSE = re.compile(r"[^.!?;,]+")


@lru_cache(maxsize=1)
def _vader() -> tuple[Any, re.Pattern[str], dict[str, str]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(CX_SUPPLEMENT)
    analyzer.lexicon["cxunable"] = INABILITY_VALENCE
    analyzer.lexicon["cxfailed"] = FAILURE_VALENCE
    analyzer.lexicon["cxneveragain"] = -2.4
    tokens: dict[str, str] = {}
    for i, (phrase, val) in enumerate(sorted(CX_PHRASES.items(), key=lambda kv: -len(kv[0]))):
        tok = f"cxphrase{i}x"
        analyzer.lexicon[tok] = val
        tokens[phrase] = tok
    # Apostrophes are optional in comments ("wont load", "doesnt work").
    alternatives = phrase_alternation([p.lower() for p in tokens], optional="'")
    pattern = re.compile(r"\b(" + alternatives + r")\b", re.IGNORECASE)
    tokens.update({p.replace("'", ""): t for p, t in list(tokens.items()) if "'" in p})
    return analyzer, pattern, tokens


def english_score(text: str) -> float:
    """Sentiment of an English ``text`` in [-1, 1] (VADER's compound with the CX additions)."""
    analyzer, pattern, tokens = _vader()
    # "didn't expect such good quality": surprise, not negation.
    # (Each rewrite runs only when a cheap substring test says it can match.)
    lower = text.lower()
    text_in = _SURPRISE.sub("unexpectedly", text) if "expect" in lower else text
    # "super rude", "super helpful": an intensifier, not praise.
    if "super" in lower or "mega" in lower or "uber" in lower or "dead " in lower:
        text_in = _SUPER.sub("very ", text_in)
    # "fixed my problem": the problem is gone.
    if "ed " in lower:
        text_in = _RESOLVED.sub(r"\1", text_in)
    rewritten = pattern.sub(lambda m: tokens[m.group(1).lower()], text_in)
    # Inability ("can't edit", "unable to log in") is a complaint; the marker goes before the negation so
    # VADER does not flip it.
    if "can" in lower or "couldn" in lower or "unable" in lower:
        rewritten = _INABILITY.sub(lambda m: "cxunable " + m.group(0), rewritten)
    if "n't" in lower or "nt " in lower or "not " in lower or "never" in lower:
        rewritten = _FAILURE.sub(lambda m: "cxfailed " + m.group(0), rewritten)
        if "again" in lower:
            rewritten = _NEVER_AGAIN.sub("cxneveragain", rewritten)
    score = float(analyzer.polarity_scores(rewritten)["compound"])
    return _irony(text, rewritten, score, analyzer)


def _irony(text: str, rewritten: str, score: float, analyzer: Any) -> float:
    lower = text.lower()
    if not any(w in lower for w in IRONY_PRONE):
        return score
    clauses = [c.strip() for c in _CLAUSE.findall(rewritten) if c.strip()]
    praise = [c for c in clauses if len(c.split()) <= 3 and any(w in c.lower() for w in IRONY_PRONE)]
    if not praise:
        return score
    rest = " . ".join(c for c in clauses if c not in praise)
    if not rest:
        return score
    rest_score = float(analyzer.polarity_scores(rest)["compound"])
    if rest_score <= -0.2:
        # the praise is ironic: score the complaint alone, a little stronger
        s = rest_score * 1.1
        return max(-1.0, s)
    return score
