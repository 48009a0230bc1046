"""PII masking: what is masked, what is kept, who sees the raw comment."""

import pytest

from cxjourney.text.pii import can_see_raw, comment_for_role, iban_valid, luhn_valid, mask_pii, pesel_valid


def test_email_addresses_are_masked():
    assert mask_pii("Pisz na jan.kowalski+cx@example.co.uk, dzięki") == "Pisz na [EMAIL], dzięki"


@pytest.mark.parametrize("phone", ["+48 601 234 567", "601-234-567", "601234567", "(22) 123 45 67", "+44 20 7946 0958"])
def test_phone_numbers_are_masked(phone):
    assert mask_pii(f"Tel. {phone} po 16") == "Tel. [PHONE] po 16"


def test_pesel_with_valid_checksum_is_masked_as_pesel():
    assert pesel_valid("44051401359")
    assert mask_pii("Mój PESEL 44051401359.") == "Mój PESEL [PESEL]."


def test_pesel_with_wrong_checksum_is_not_called_a_pesel():
    assert not pesel_valid("44051401358")
    assert "[PESEL]" not in mask_pii("numer 44051401358")


def test_card_numbers_passing_luhn_are_masked_and_failing_ones_are_not_cards():
    assert luhn_valid("4111111111111111")
    assert mask_pii("karta 4111 1111 1111 1111 wygasła") == "karta [CARD] wygasła"
    assert not luhn_valid("4111111111111112")
    assert "[CARD]" not in mask_pii("kod 4111 1111 1111 1112")


def test_ibans_passing_mod97_are_masked_including_polish_nrb():
    assert iban_valid("PL61 1090 1014 0000 0712 1981 2874")
    assert mask_pii("zwrot na PL61 1090 1014 0000 0712 1981 2874 proszę") == "zwrot na [IBAN] proszę"
    assert mask_pii("konto 61109010140000071219812874") == "konto [IBAN]"
    assert mask_pii("GB82 WEST 1234 5698 7654 32") == "[IBAN]"
    assert not iban_valid("PL62 1090 1014 0000 0712 1981 2874")


def test_order_numbers_prices_and_dates_are_left_alone():
    text = "Zamówienie 12345 z 2024-05-12 na 199,99 zł, 3 sztuki"
    assert mask_pii(text) == text


def test_only_admin_sees_the_raw_comment():
    assert can_see_raw("admin")
    assert not can_see_raw("analyst")
    assert not can_see_raw("agent")
    assert not can_see_raw(None)
    raw = "mail: a@b.pl"
    assert comment_for_role(raw, mask_pii(raw), "agent") == "mail: [EMAIL]"
    assert comment_for_role(raw, mask_pii(raw), "admin") == raw
