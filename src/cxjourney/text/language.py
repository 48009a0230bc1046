"""Language of a comment: "pl", "en", or "other" (kept as such, never forced into PL/EN).

The detector is small and offline: it counts function words of Polish, English and a few neighbouring
languages (German, Czech/Slovak, French, Spanish, Italian, Dutch, Portuguese), letters only Polish uses
(ą ę ł ń ś ź ż ć ó) and letters Polish never uses (ä ö ü ß ě ř ů é è à ç ñ ã ...), and treats Cyrillic,
Greek, Arabic, CJK... as "other". Polish written without diacritics is recognised by its function words
("nie", "sie", "jest", "ze", "juz"). Text with no evidence at all (e.g. "ok", "123") is "other" unless the
caller passes ``default``.
"""

from __future__ import annotations

import re

from cxjourney.text.tokens import tokenize

LANGUAGES = ("pl", "en", "other")

_PL_WORDS = frozenset(
    """nie się sie jest są sa był byl była byla było bylo były byly być byc że ze już juz tylko bardzo ale
    czy jak mi mnie mój moj moja moje na do od po za przez przy dla bez pod nad o w z i a to ten ta te tego
    tej tym tu tam tak także takze też tez jeszcze wszystko nic coś cos ktoś ktos który ktory która ktora
    które ktore gdzie kiedy dlaczego bo więc wiec jednak oraz lub albo jestem jesteś jestes mam ma mają
    maja miałem mialem miałam mialam można mozna trzeba żeby zeby aby się sie dzień dzien dni razy raz
    sklep sklepu paczka paczki paczkę paczke kurier kuriera zamówienie zamowienie zamówienia zamowienia
    dostawa dostawy obsługa obsluga obsługi obslugi klienta towar produkt produktu strona strony
    dziękuję dziekuje dzięki dzieki polecam super świetnie swietnie szybko wolno długo dlugo czekam
    czekałem czekalem czekałam czekalam niestety naprawdę naprawde wcale nigdy zawsze znowu znów znow
    był brak pieniądze pieniadze zwrot zwrotu reklamacja reklamacji infolinia infolinii aplikacja
    aplikacji płatność platnosc płatności platnosci""".split()
)

_EN_WORDS = frozenset(
    """the and is was were are be been to of a an i it its it's my for not no with on in this that these
    those very but you your they their them have has had do does did don't didn't doesn't won't can't
    couldn't wasn't isn't at so me we our us from by or if as would could should will just too really
    what when where why how there here all any some again still never always only after before because
    than then get got order ordered delivery delivered package parcel courier shop store website app
    customer service support refund return returned thanks thank great good bad poor terrible awful
    love loved hate excellent amazing quick fast slow late easy nothing everything lot helped
    item items arrived received ordered would""".split()
)

_OTHER_WORDS = frozenset(
    """der die das und ist nicht ich mit sehr war auch eine einen ein sie wir aber für fur zu auf den dem
    des le la les et est pas je très tres une des du pour avec mais il elle nous vous qui que el los las
    es y muy pero por para con una lo del al su il è molto che per di della sono non het een en van ik
    niet met zijn maar ook não nao com uma muito jsem jsme není neni velmi ale bylo byla byl jako když
    kdyz také take som veľmi velmi""".split()
)

# Letters that only Polish (of PL/EN) uses; and letters Polish and English never use.
_PL_LETTERS = frozenset("ąćęłńśźż")
_FOREIGN_LETTERS = frozenset("äöüßěřůťďňýčšžéèêëàâçîïôûùñãõåæøœ")
_LETTER = re.compile(r"[^\W\d_]")
_PL_LETTER_RE = re.compile("[" + "".join(sorted(_PL_LETTERS)) + "]")
_FOREIGN_LETTER_RE = re.compile("[" + "".join(sorted(_FOREIGN_LETTERS)) + "]")
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
# Function-word votes per token: (Polish, English, other), 2 points for each list the word is on.
_VOTES = {w: (2 * (w in _PL_WORDS), 2 * (w in _EN_WORDS), 2 * (w in _OTHER_WORDS))
          for w in _PL_WORDS | _EN_WORDS | _OTHER_WORDS}


def detect_language(text: str | None, *, default: str = "other") -> str:
    """Return "pl", "en" or "other" for ``text``.

    ``default`` is returned when the text carries no evidence at all (empty, digits, "ok"); pass the
    language a survey was shown in to use it as the tie-breaker.
    """
    if not text or not text.strip():
        return default
    lower = text.lower()
    if not _LETTER.search(lower):
        return default
    non_latin = len(_NON_LATIN.findall(lower))
    if non_latin and non_latin > len(_LETTER.findall(lower)) / 2:
        return "other"
    pl = 3 * len(_PL_LETTER_RE.findall(lower)) + lower.count("ó")
    foreign = 2 * len(_FOREIGN_LETTER_RE.findall(lower))
    en = 0
    pl_short = en_short = 0
    for tok in tokenize(lower):
        w = _VOTES.get(tok)
        if w is not None:
            if len(tok) == 1:
                pl_short += w[0]
                en_short += w[1]
            else:
                pl += w[0]
                en += w[1]
            foreign += w[2]
    # One-letter words ("w", "z", "i", "a") count only beside other evidence for the same language: "i" is
    # English and Polish, and product names abbreviate "with" as "W" ("HEART W FLOWER").
    if pl:
        pl += pl_short
    if en:
        en += en_short
    # Czech/Slovak share words with Polish but use letters Polish never has: those letters outweigh.
    best = max(pl, en, foreign)
    if best == 0:
        return _by_vocabulary(lower, default)
    if foreign == best and foreign > max(pl, en):
        return "other"
    if pl == en:
        return _by_vocabulary(lower, default)
    return "pl" if pl > en else "en"


def _by_vocabulary(lower: str, default: str) -> str:
    """Tie-breaker for short texts without function words: which sentiment lexicon knows the words."""
    from cxjourney.text.lexicon_en import english_valence
    from cxjourney.text.lexicon_pl import polish_word_known

    pl = en = 0
    for tok in tokenize(lower):
        if polish_word_known(tok):
            pl += 1
        if tok in english_valence():
            en += 1
    if pl == en:
        return default
    return "pl" if pl > en else "en"
