"""Polish sentiment scoring with the project's lexicon (:mod:`cxjourney.text.lexicon_pl`).

Rules, in the order they apply to each sentiment-bearing word:

1. *Lookup*: the word's lemma (simplemma), then the word itself, then its ASCII-folded form, then, for
   words simplemma does not know (typically typed without Polish letters), the longest folded stem.
   Multi-word phrases ("nie polecam", "bez zarzutu", "strata czasu") are matched on lemmas first.
2. *Intensifiers* in the two words before scale it ("bardzo dobry", "trochę wolno", "super szybko").
   "Trzy razy", "kilka razy" (having to do something repeatedly) count as mildly negative.
3. *Negation*: "nie", "nigdy", "żaden", "ani" in the three words before (within the clause) flip and damp
   it (x -0.75). "brak"/"bez"/"zero" before a negative word make it positive ("brak problemów"); "brak" before
   a word with no sentiment is itself mildly negative ("brak kontaktu"). A broken promise ("miała być
   darmowa") negates like "nie".
4. *Contrast*: words after "ale", "lecz", "jednak", "natomiast" weigh 1.5x, words before 0.5x.
5. *Irony*: a praise interjection ("super", "brawo", "gratuluję") standing in a clause of at most three
   words, in a comment whose other words are clearly negative, counts as negative.
6. Exclamation marks amplify the total; the total ``s`` becomes ``s / sqrt(s^2 + 15)`` (VADER's
   normalisation), a score in (-1, 1).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from cxjourney.text.lexicon_pl import (
    ABSENCE,
    ABSENCE_VALENCE,
    BOOSTERS,
    CONCORD,
    CONTRAST,
    FAILURE_VALENCE,
    FAILURE_VERBS,
    IRONY_PRONE,
    NEGATORS,
    RESOLVE,
    polish_index,
    stem_candidates,
)
from cxjourney.text.tokens import fold, lemma

_TOKENS = re.compile(r"[^\W\d_]+|\d+|[.!?;,:]", re.UNICODE)
_CLAUSE_END = frozenset(".!?;,:")
NEGATION_FACTOR = -0.75
PREFIX_INTENSIFIERS = {"super": 0.35, "mega": 0.35, "ekstra": 0.3, "hiper": 0.35}
COUNT_WORDS = frozenset({"dwa", "trzy", "cztery", "pięć", "piec", "sześć", "szesc", "kilka", "kilkanaście",
                         "kilkanascie", "parę", "pare", "wiele", "dziesięć", "dziesiec", "kilkadziesiąt"})
REPEAT_VALENCE = -0.8
ALPHA = 15.0


@lru_cache(maxsize=100_000)
def _word(token: str) -> tuple[str, str, float]:
    """(lemma, folded lemma, valence) of one lower-cased token."""
    words, folded, _, stems = polish_index()
    lem = lemma(token, "pl")
    if token in words:
        return lem, fold(lem), words[token]
    if lem in words:
        return lem, fold(lem), words[lem]
    f = fold(token)
    if f in folded:
        return lem, f, folded[f]
    for candidate in (f, fold(lem)):
        for st in stem_candidates(candidate):
            if st in stems:
                return lem, f, stems[st]
    return lem, fold(lem), 0.0


@lru_cache(maxsize=1)
def _phrases() -> dict[str, list[tuple[tuple[str, ...], float]]]:
    """Phrases indexed by their folded first element, longest first."""
    _, _, phrases, _ = polish_index()
    index: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for words, val in phrases.items():
        key = tuple(fold(w) for w in words)
        index.setdefault(key[0], []).append((key, val))
    for items in index.values():
        items.sort(key=lambda kv: -len(kv[0]))
    return index


def _same(key: str, folded_token: str, folded_lemma: str) -> bool:
    """Whether a phrase element matches a token: as a form, a lemma, or (typed without Polish letters,
    unknown to simplemma) by stem."""
    if key == folded_token or key == folded_lemma:
        return True
    return not set(stem_candidates(key)).isdisjoint(stem_candidates(folded_token))


# Two lemmas that make a phrase even with a few words between them ("mam jej serdecznie dość").
GAPPED = {("mieć", "dość"): -2.4, ("mieć", "dosyć"): -2.4}


def polish_score(text: str) -> float:
    """Sentiment of a Polish ``text`` in (-1, 1); 0.0 when no word carries sentiment."""
    raw = _TOKENS.findall(text.lower())
    words: list[str] = []
    folded_tokens: list[str] = []
    folded_lemmas: list[str] = []
    lemmas: list[str] = []
    vals: list[float] = []
    clause: list[int] = []
    c = 0
    for tok in raw:
        if tok in _CLAUSE_END:
            c += 1
            continue
        lem, flem, val = _word(tok)
        words.append(tok)
        lemmas.append(lem)
        folded_tokens.append(fold(tok))
        folded_lemmas.append(flem)
        vals.append(val)
        clause.append(c)
    n = len(words)
    if n == 0:
        return 0.0
    phrases = _phrases()
    consumed = [False] * n
    # 1. phrases (longest match at each position)
    i = 0
    while i < n:
        matched = False
        for first in {folded_tokens[i], folded_lemmas[i]}:
            for key, val in phrases.get(first, ()):
                m = len(key)
                if i + m <= n and all(
                    _same(key[k], folded_tokens[i + k], folded_lemmas[i + k]) for k in range(1, m)
                ) and clause[i + m - 1] == clause[i]:
                    vals[i] = val
                    for k in range(1, m):
                        vals[i + k] = 0.0
                        consumed[i + k] = True
                    consumed[i] = True
                    i += m
                    matched = True
                    break
            if matched:
                break
        if not matched:
            i += 1
    for i in range(n):
        for (a, b), val in GAPPED.items():
            if lemmas[i] == b:
                for j in range(max(0, i - 4), i):
                    if lemmas[j] == a and clause[j] == clause[i]:
                        vals[i] = val
    for i in range(n):
        # "nie uruchamia się", "nawet nie zadzwonił": a verb of something working, negated, is a failure.
        if lemmas[i] in FAILURE_VERBS and not consumed[i] and vals[i] < 1.0:
            for j in (i - 1, i - 2, i - 3):
                if j >= 0 and clause[j] == clause[i] and words[j] in ("nie", "nigdy") and not consumed[j]:
                    vals[i] = FAILURE_VALENCE
                    consumed[j] = True
                    break
    contributions: list[float] = [0.0] * n
    for i in range(n):
        # "super szybko", "mega wolno": the praise word only intensifies the next sentiment word.
        if words[i] in PREFIX_INTENSIFIERS and i + 1 < n and vals[i + 1] != 0.0 and clause[i + 1] == clause[i]:
            vals[i] = 0.0
        # "trzy razy", "kilka razy": having to do something repeatedly.
        if lemmas[i] == "raz" and i > 0 and (words[i - 1] in COUNT_WORDS or words[i - 1].isdigit()):
            vals[i] = REPEAT_VALENCE
    for i in range(n):
        v = vals[i]
        w = words[i]
        if v == 0.0:
            # "brak kontaktu": an absence word followed by a word without sentiment.
            if w in ABSENCE and i + 1 < n and vals[i + 1] == 0.0 and clause[i + 1] == clause[i] and not consumed[i]:
                contributions[i] = ABSENCE_VALENCE
            continue
        # 2. boosters
        for j in (i - 1, i - 2):
            if j >= 0 and clause[j] == clause[i]:
                boost = BOOSTERS.get(words[j]) or BOOSTERS.get(lemmas[j]) or PREFIX_INTENSIFIERS.get(words[j])
                if boost:
                    v = v * (1 + boost)
        # 3. negation (words inside a matched phrase are skipped: "nie polecam" carries its own)
        seen_nie = words[i] == "nie"
        for j in (i - 1, i - 2, i - 3):
            if j < 0 or clause[j] != clause[i]:
                continue
            if words[j] == "nie":
                seen_nie = True
            if consumed[j] or (seen_nie and words[j] in CONCORD):
                continue
            if v < 0 and lemmas[j] in RESOLVE:
                v = 0.0
                break
            if words[j] in ABSENCE:
                # "brak problemów" +, "brak kontaktu" -, "bez sensu" -
                v = -v * 0.8 if v < 0 else (ABSENCE_VALENCE if v < 1.0 else v * NEGATION_FACTOR)
                break
            if words[j] in NEGATORS:
                v = v * NEGATION_FACTOR
                break
            # "miała być darmowa": a promise that was not kept.
            if lemmas[j] == "być" and j > 0 and lemmas[j - 1] == "mieć" and v > 0:
                v = v * NEGATION_FACTOR
                break
        contributions[i] = v
    # 4. contrast
    for i in range(n):
        if words[i] in CONTRAST and 0 < i < n - 1:
            for j in range(n):
                if j < i:
                    contributions[j] *= 0.5
                elif j > i:
                    contributions[j] *= 1.5
            break
    # 5. irony
    negative_mass = sum(x for k, x in enumerate(contributions) if x < 0 and lemmas[k] not in IRONY_PRONE)
    if negative_mass <= -1.5:
        clause_sizes: dict[int, int] = {}
        for k in range(n):
            clause_sizes[clause[k]] = clause_sizes.get(clause[k], 0) + 1
        for k in range(n):
            if contributions[k] > 0 and (lemmas[k] in IRONY_PRONE or words[k] in IRONY_PRONE) \
                    and clause_sizes[clause[k]] <= 3:
                contributions[k] = -abs(contributions[k]) * 0.5
    total = sum(contributions)
    # 6. exclamation emphasis and normalisation
    bangs = min(text.count("!"), 4)
    if total and bangs:
        total += math.copysign(0.292 * bangs, total)
    return total / math.sqrt(total * total + ALPHA)
