"""Sentiment behaviour a reader would notice, and the evaluation bar on the project's own labelled set."""

from pathlib import Path

import pytest

from cxjourney.text.evaluate import evaluate_analyzer, read_labelled
from cxjourney.text.sentiment import LexiconAnalyzer, SentimentAnalyzer, label_for

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def analyzer():
    return LexiconAnalyzer()


def test_lexicon_analyzer_implements_the_interface(analyzer):
    assert isinstance(analyzer, SentimentAnalyzer)
    result = analyzer.analyze("Świetna obsługa, polecam!")
    assert result.language == "pl" and result.label == "positive" and 0 < result.score <= 1


def test_polish_negation_flips_praise(analyzer):
    assert analyzer.analyze("Jestem zadowolony z obsługi.").label == "positive"
    assert analyzer.analyze("Nie jestem zadowolony z obsługi.").label == "negative"
    assert analyzer.analyze("Nie polecam.").label == "negative"


def test_absence_of_a_problem_is_positive_and_absence_of_contact_negative(analyzer):
    assert analyzer.analyze("Brak problemów z dostawą.").label == "positive"
    assert analyzer.analyze("Brak kontaktu ze sklepem.").label == "negative"


def test_polish_without_diacritics_and_in_any_inflection_is_scored(analyzer):
    with_letters = analyzer.analyze("Kurier się spóźnił, obsługa beznadziejna.")
    without = analyzer.analyze("kurier sie spoznil, obsluga beznadziejna")
    assert with_letters.label == without.label == "negative"
    assert analyzer.analyze("swietna aplikacja, dziala bez zarzutu").label == "positive"


def test_polish_negative_concord_is_one_negation(analyzer):
    assert analyzer.analyze("Paczka nigdy nie przyszła.").label == "negative"


def test_intensifiers_strengthen_the_score(analyzer):
    assert analyzer.analyze("bardzo dobra obsługa").score > analyzer.analyze("dobra obsługa").score
    assert analyzer.analyze("very good service").score > analyzer.analyze("good service").score


def test_contrast_gives_the_last_clause_more_weight(analyzer):
    assert analyzer.analyze("Długo czekałem, ale warto było, produkt świetny.").label == "positive"
    assert analyzer.analyze("Produkt fajny, ale dostawa fatalna.").label == "negative"


def test_ironic_praise_next_to_a_complaint_counts_as_negative(analyzer):
    assert analyzer.analyze("Super, strona znowu nie działa. Brawo wy.").label == "negative"
    assert analyzer.analyze("Oh great, the app crashed again and I lost my basket.").label == "negative"


def test_english_cx_vocabulary_vader_lacks_is_scored(analyzer):
    assert analyzer.analyze("The parcel arrived late and the box was crushed.").label == "negative"
    assert analyzer.analyze("Hassle-free return, refund within two days.").label == "positive"
    assert analyzer.analyze("Didn't receive my points.").label == "negative"


def test_other_languages_are_kept_but_not_scored(analyzer):
    result = analyzer.analyze("Der Kurier war sehr spät und das Paket ist kaputt.")
    assert result.language == "other" and result.score is None and result.label is None


def test_a_given_language_overrides_detection(analyzer):
    assert analyzer.analyze("super", language="pl").language == "pl"


def test_labels_follow_the_neutral_band():
    assert label_for(0.5) == "positive" and label_for(-0.5) == "negative" and label_for(0.0) == "neutral"
    assert label_for(None) is None


@pytest.mark.parametrize("language", ["pl", "en"])
def test_evaluation_set_meets_the_positive_vs_negative_bar(analyzer, language):
    rows = read_labelled(DATA / f"eval_{language}.csv")
    assert len(rows) >= 300
    assert {r["language"] for r in rows} == {language}
    assert len({r["touchpoint"] for r in rows}) >= 14
    # Rows at positions 0, 4, 8, ... were the development quarter the lexicon was tuned against; the
    # remaining three quarters are held out. The bar must hold on the held-out part and on the whole set.
    held_out = [r for i, r in enumerate(rows) if i % 4 != 0]
    for part in (held_out, rows):
        metrics = evaluate_analyzer(analyzer, part)
        print(language, metrics["n"], "accuracy", metrics["accuracy"], "macro_f1", metrics["macro_f1"],
              "pos-vs-neg accuracy", metrics["polarity_accuracy"])
        assert metrics["polarity_accuracy"] >= 0.85
        assert metrics["macro_f1"] >= 0.7
