"""Themes of comments: NMF on TF-IDF of lemmas (Polish and English lemmatised with simplemma, ASCII-folded,
stop words removed). Each theme is named by its top terms; a comment belongs to the theme with the largest
weight (or to none when it shares no vocabulary with any theme). Same input and seed, same themes: NMF is
initialised with NNDSVDA (deterministic) and the seed fixes any randomness left; themes are numbered by
size, ties broken by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from cxjourney.text.tokens import fold, lemma, tokenize

MIN_DOCS = 8

_STOP_PL = """a aby ach albo ale ani az az bardzo bez bo byc byl byla bylo byly bede bedzie by bym
ce chce chyba ci cie co cos czy czyli dla do dwa gdy gdzie go ich ile i ja jak jaki jakis jako je jeden jednak
jej jest jestem jeszcze jesli jez juz ka kazdy kiedy kilka kto ktora ktore ktory ku lub ma mam maja mi mie
miec mnie moj moja moje moc moze mozna mu my na nad nam nas nasz nawet nic nie niz no o od on ona one oni
ono oraz po pod poza przed przez przy raz razy sa sam se sie siebie swoj swoja ta tak takze tam te tego tej
ten teraz tez to tu tutaj tylko tym u w we wiec wszystko wszyscy wy z za ze zeby zas mial miala mialem
mialam zostac byc dzien dni tydzien rok wszystek caly""".split()
_STOP_EN = """a about after again all also am an and any are as at be been before being but by can could
did do does doing don't down each even few for from get got had has have having he her here him his how i
i'm if in into is it it's its just me more most my no nor not now of off on once one only or other our out
over own same she should so some still such than that the their them then there these they this those
through to too under until up very was we were what when where which while who why will with would you your
yours i've i'd i'll ve ll re didn didn't wasn isn everything anything something nothing day days time
week place thing""".split()
STOP = frozenset(fold(w) for w in _STOP_PL + _STOP_EN)


def theme_doc(text: str, language: str) -> str:
    """The document a comment contributes: folded lemmas of 3+ letters, stop words removed."""
    lang = language if language in ("pl", "en") else "pl"
    out = []
    for tok in tokenize(text):
        if tok.isdigit() or len(tok) < 3:
            continue
        lem = fold(lemma(tok, lang))
        if lem in STOP or len(lem) < 3:
            continue
        out.append(lem)
    return " ".join(out)


@dataclass
class Theme:
    id: str
    name: str
    terms: list[str]
    members: list[int] = field(default_factory=list)  # indices into the input comments


@dataclass
class ThemeModel:
    themes: list[Theme]
    assignment: list[str | None]  # theme id per comment (None: no shared vocabulary)
    k: int
    seed: int
    weight: list[float] = field(default_factory=list)  # weight of the comment in its theme


def extract_themes(texts: Sequence[str], languages: Sequence[str], *, k: int = 6, seed: int = 0,
                   top_terms: int = 5) -> ThemeModel:
    """Themes of ``texts``; fewer than :data:`MIN_DOCS` usable comments give no themes.

    Polish and English comments share few words, so when both languages have enough comments each gets its
    own model with ``k`` themes; the themes are then numbered together by size."""
    langs = [lang if lang in ("pl", "en") else "other" for lang in languages]
    groups = {lang: [i for i, x in enumerate(langs) if x == lang] for lang in ("pl", "en", "other")}
    big = [lang for lang, idx in groups.items() if len(idx) >= MIN_DOCS and lang != "other"]
    if len(big) < 2:
        return _extract([*texts], [*languages], k=k, seed=seed, top_terms=top_terms)
    themes: list[Theme] = []
    assignment: list[str | None] = [None] * len(texts)
    weight = [0.0] * len(texts)
    k_used = 0
    for lang in big:
        idx = groups[lang]
        sub = _extract([texts[i] for i in idx], [lang] * len(idx), k=k, seed=seed, top_terms=top_terms)
        k_used += sub.k
        for t in sub.themes:
            t.members = [idx[m] for m in t.members]
            themes.append(t)
        for m, i in enumerate(idx):
            weight[i] = sub.weight[m]
    themes.sort(key=lambda t: (-len(t.members), t.name))
    for n, t in enumerate(themes, start=1):
        t.id = f"t{n}"
        for i in t.members:
            assignment[i] = t.id
    return ThemeModel(themes, assignment, k_used, seed, weight)


def _extract(texts: Sequence[str], languages: Sequence[str], *, k: int, seed: int, top_terms: int) -> ThemeModel:
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [theme_doc(t or "", lang) for t, lang in zip(texts, languages, strict=True)]
    usable = [i for i, d in enumerate(docs) if d]
    if len(usable) < MIN_DOCS or k < 1:
        return ThemeModel([], [None] * len(texts), 0, seed, [0.0] * len(texts))
    vec = TfidfVectorizer(min_df=2, max_df=0.6, ngram_range=(1, 1), sublinear_tf=True, token_pattern=r"\S+")
    try:
        X = vec.fit_transform([docs[i] for i in usable])
    except ValueError:  # no term appears twice
        return ThemeModel([], [None] * len(texts), 0, seed, [0.0] * len(texts))
    terms = np.array(vec.get_feature_names_out())
    k_eff = max(1, min(k, X.shape[1], len(usable) // 2))
    nmf = NMF(n_components=k_eff, init="nndsvda", random_state=seed, max_iter=500)
    W = nmf.fit_transform(X)
    H = nmf.components_
    raw_members: dict[int, list[int]] = {c: [] for c in range(k_eff)}
    assignment: list[str | None] = [None] * len(texts)
    weight = [0.0] * len(texts)
    best = W.argmax(axis=1)
    for row, i in enumerate(usable):
        if W[row].max() > 1e-9:
            raw_members[int(best[row])].append(i)
            weight[i] = float(W[row].max())
    themes = []
    for c in range(k_eff):
        order = np.argsort(-H[c], kind="stable")[:top_terms]
        top = [str(terms[j]) for j in order if H[c, j] > 0]
        if not top or not raw_members[c]:
            continue
        themes.append(Theme(id="", name=", ".join(top[:3]), terms=top, members=raw_members[c]))
    themes.sort(key=lambda t: (-len(t.members), t.name))
    for n, t in enumerate(themes, start=1):
        t.id = f"t{n}"
        for i in t.members:
            assignment[i] = t.id
    return ThemeModel(themes, assignment, k_eff, seed, weight)
