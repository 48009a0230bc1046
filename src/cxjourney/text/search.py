"""Word search across comments in any inflection: a query word matches a comment word when their lemmas
(Polish or English, ASCII-folded) are the same, so "kurier" finds "kuriera", "kurierem", "kurierzy" and
"spóźnienie" typed as "spoznienie". Every query word must match (AND); a word in quotes is matched as typed.
"""

from __future__ import annotations

from functools import lru_cache

from cxjourney.text.tokens import fold, lemma, tokenize


@lru_cache(maxsize=50_000)
def word_keys(word: str) -> frozenset[str]:
    """The forms a word can be found by: itself, its Polish and English lemmas, all ASCII-folded."""
    w = word.lower()
    return frozenset({fold(w), fold(lemma(w, "pl")), fold(lemma(w, "en"))})


def comment_keys(text: str) -> set[str]:
    keys: set[str] = set()
    for tok in tokenize(text or ""):
        keys |= word_keys(tok)
    return keys


def parse_query(q: str) -> list[frozenset[str]]:
    """One set of acceptable keys per query word."""
    out = []
    for part in q.split():
        if len(part) > 1 and part.startswith('"') and part.endswith('"'):
            out.append(frozenset({fold(part.strip('"').lower())}))
            continue
        for tok in tokenize(part):
            out.append(word_keys(tok))
    return out


def matches(text: str, query: list[frozenset[str]]) -> list[str]:
    """The comment's words that match, or [] when some query word is not found."""
    hits: list[str] = []
    toks = tokenize(text or "")
    keyed = [(t, word_keys(t)) for t in toks]
    for wanted in query:
        found = [t for t, keys in keyed if not keys.isdisjoint(wanted)]
        if not found:
            return []
        hits.extend(found)
    return sorted(set(hits))
