"""Tokens, ASCII folding and Polish/English lemmas shared by sentiment, themes and search.

Lemmas come from ``simplemma`` (installed from PyPI, dictionaries ship inside the wheel, nothing is
downloaded). Its Polish dictionary takes a few seconds to load the first time it is used in a process;
every lookup after that is cached here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+", re.UNICODE)

_FOLD = str.maketrans(
    {"ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
     "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S", "Ź": "Z", "Ż": "Z"}
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (letters, with an inner apostrophe kept: "don't", "isn't")."""
    return TOKEN_RE.findall(text.lower())


@lru_cache(maxsize=4096)
def fold(word: str) -> str:
    """ASCII-fold a word: Polish letters lose their diacritics ("spóźnił" -> "spoznil"), others via NFKD."""
    w = word.translate(_FOLD)
    if w.isascii():
        return w
    return unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=200_000)
def lemma(word: str, language: str) -> str:
    """The dictionary lemma of a lower-cased ``word`` in ``language`` ("pl"/"en"); the word itself if unknown."""
    if language not in ("pl", "en") or word.isdigit():
        return word
    import simplemma

    try:
        return str(simplemma.lemmatize(word, lang=language)).lower()
    except (ValueError, KeyError):  # pragma: no cover - unknown language code
        return word


def lemmas(text: str, language: str) -> list[str]:
    """Lemmas of every token of ``text`` (see :func:`lemma`)."""
    return [lemma(t, language) for t in tokenize(text)]
