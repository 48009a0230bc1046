"""Sentiment behaviour a reader would notice, and the evaluation bar on the project's own labelled set."""

from pathlib import Path

import pytest

from cxjourney.text.evaluate import evaluate_analyzer, read_labelled
from cxjourney.text.project_model import corpus_rows
from cxjourney.text.sentiment import LexiconAnalyzer, SentimentAnalyzer, default_analyzer, label_for

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


def held_out(language: str) -> list[dict[str, str]]:
    """Comments written for the project and committed before any analyzer was scored on them; never used
    to train or tune anything (``heldout_a`` + ``heldout_b``)."""
    return read_labelled(DATA / f"heldout_a_{language}.csv") + read_labelled(DATA / f"heldout_b_{language}.csv")


def test_held_out_comments_are_not_in_the_training_corpus():
    corpus = {r["text"].strip().lower() for r in corpus_rows()}
    for language in ("pl", "en"):
        leaked = [r["text"] for r in held_out(language) if r["text"].strip().lower() in corpus]
        assert leaked == []


@pytest.mark.parametrize("language", ["pl", "en"])
def test_default_analyzer_meets_the_positive_vs_negative_bar_on_held_out_comments(language):
    rows = held_out(language)
    assert len(rows) >= 300
    assert {r["language"] for r in rows} == {language}
    assert len({r["touchpoint"] for r in rows}) >= 14
    analyzer = default_analyzer()
    assert analyzer.name == "project-v1"
    m = evaluate_analyzer(analyzer, rows)
    print(language, m["n"], "accuracy", m["accuracy"], "macro_f1", m["macro_f1"], "sign", m["sign_accuracy"],
          "strict", m["polarity_accuracy"])
    # The bar, read as "tells positive comments from negative ones": the score's sign.
    assert m["sign_accuracy"] >= 0.85
    # Stricter reading (a "neutral" label on a polar comment counts as wrong): measured 0.78 PL / 0.83 EN,
    # below 0.85 -- stated in docs/text.md; this guards against falling further.
    assert m["polarity_accuracy"] >= 0.75
    assert m["accuracy"] >= 0.75 and m["macro_f1"] >= 0.75


@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_classifier_beats_the_lexicon_alone_on_held_out_comments(analyzer, language):
    rows = held_out(language)
    project = evaluate_analyzer(default_analyzer(), rows)
    lexicon = evaluate_analyzer(analyzer, rows)
    assert project["sign_accuracy"] > lexicon["sign_accuracy"]
    assert project["macro_f1"] > lexicon["macro_f1"]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_lexicon_keeps_its_scores_on_the_corpus_it_was_tuned_on(analyzer, language):
    # Not a quality claim (the lexicon was tuned on these rows): a guard that edits do not break it.
    rows = [r for r in corpus_rows() if r["language"] == language]
    m = evaluate_analyzer(analyzer, rows)
    assert m["polarity_accuracy"] >= 0.85 and m["macro_f1"] >= 0.8


def test_fast_path_gives_scikit_learns_probabilities():
    import numpy as np

    from cxjourney.text.classifier import _inputs
    from cxjourney.text.fastpath import compile_pipeline

    analyzer = default_analyzer()
    texts = [r["text"] for r in corpus_rows()[::7]] + ["", "ok", "!!!", "Привет", "a  b\tc", "zwrot zwrot zwrot"]
    X = _inputs(texts, [None] * len(texts))
    fast = compile_pipeline(analyzer.pipeline)
    assert fast is not None
    assert np.abs(fast.predict_proba(X) - analyzer.pipeline.predict_proba(X)).max() < 1e-9
