"""Language detection: Polish (with or without diacritics), English, and anything else kept as "other"."""

import pytest

from cxjourney.text.language import detect_language


@pytest.mark.parametrize(
    "text",
    ["Kurier spóźnił się znowu, paczka uszkodzona.", "kurier spoznil sie znowu, paczka byla uszkodzona",
     "Nie polecam tego sklepu", "Świetnie!", "Zamówienie przyszło szybko"],
)
def test_polish_comments_are_polish(text):
    assert detect_language(text) == "pl"


@pytest.mark.parametrize(
    "text", ["The courier was late again.", "great app, works fine", "I waited 40 minutes on the hotline"]
)
def test_english_comments_are_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    ["Der Kurier war sehr spät und das Paket ist kaputt.", "Le colis est arrivé très en retard.",
     "El pedido llegó tarde y muy dañado.", "Курьер опоздал на два дня", "Kurýr přijel pozdě, balík byl poškozený."],
)
def test_other_languages_stay_other(text):
    assert detect_language(text) == "other"


def test_text_without_evidence_takes_the_default():
    assert detect_language("12345", default="pl") == "pl"
    assert detect_language("", default="en") == "en"
    assert detect_language("   ") == "other"
