"""PII masking applied to comments before they are stored in ``comment_analysis`` or shown.

Masked: e-mail addresses ``[EMAIL]``, phone numbers ``[PHONE]``, PESEL numbers that pass their checksum
``[PESEL]``, payment-card numbers that pass the Luhn check ``[CARD]``, IBANs that pass the ISO 13616 mod-97
check (and Polish 26-digit NRB account numbers, checked as ``PL`` IBANs) ``[IBAN]``. Digit runs that fail
every check and are too short/long for a phone number (order numbers, prices) and dates with or without a
time ("2010-12-01 08:26", "01/12/2010") are left alone.

Only the ``admin`` role may see the raw comment (:func:`can_see_raw`); every other role sees
``masked_comment``.
"""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])", re.UNICODE)
# Letters+digits IBAN, optionally grouped in fours by spaces: PL61 1090 1014 0000 0712 1981 2874.
IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?:(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?|[A-Z0-9]{11,30}))(?![A-Za-z0-9])"
)
# A digit run, optionally with a leading + and single separators (space, dash, slash, brackets) inside.
DIGITS_RE = re.compile(r"(?<![\w+])(\+?\(?\d(?:[ \-/()]{0,2}\d){6,30}\)?)(?![\w])")

_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
RAW_ROLES = frozenset({"admin"})


def pesel_valid(digits: str) -> bool:
    """True when ``digits`` is 11 digits whose last digit is the PESEL check digit."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:10], _PESEL_WEIGHTS, strict=True))
    return (10 - total % 10) % 10 == int(digits[10])


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check (payment cards)."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to 10..35, value mod 97 == 1."""
    s = iban.replace(" ", "").upper()
    if not (15 <= len(s) <= 34) or not s[:2].isalpha() or not s[2:4].isdigit() or not s.isalnum():
        return False
    rearranged = s[4:] + s[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def _classify_digits(candidate: str) -> str | None:
    digits = re.sub(r"\D", "", candidate)
    n = len(digits)
    if n == 11 and pesel_valid(digits):
        return "[PESEL]"
    if n == 26 and iban_valid("PL" + digits):
        return "[IBAN]"
    if 13 <= n <= 19 and luhn_valid(digits):
        return "[CARD]"
    if 9 <= n <= 12 and (candidate.startswith("+") or n in (9, 11) or _looks_grouped(candidate)):
        return "[PHONE]"
    return None


def _looks_grouped(candidate: str) -> bool:
    """Phone-like grouping: "22 123 45 67", "(22) 1234567", "123-456-789"."""
    return bool(re.fullmatch(r"\(?\d{2,4}\)?(?:[ \-]\d{2,4}){1,4}", candidate.strip()))


# A date, optionally with the hour after it ("2010-12-01 08" of "2010-12-01 08:26"): never a phone number.
_DATE_YMD = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2})?")
_DATE_DMY = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})(?:[ T]\d{1,2})?")


def _is_date(candidate: str) -> bool:
    c = candidate.strip()
    m = _DATE_YMD.fullmatch(c)
    if m:
        return 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31
    m = _DATE_DMY.fullmatch(c)
    if m:
        return 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(1)) <= 31
    return False


def mask_pii(text: str | None) -> str:
    """``text`` with e-mails, phones, PESEL, card numbers and IBANs replaced by ``[EMAIL]`` etc."""
    if not text:
        return text or ""
    out = EMAIL_RE.sub("[EMAIL]", text)
    out = IBAN_RE.sub(lambda m: "[IBAN]" if iban_valid(m.group(1)) else m.group(0), out)

    def _digits(m: re.Match[str]) -> str:
        cand = m.group(1)
        if _is_date(cand):
            return m.group(0)
        label = _classify_digits(cand)
        if label is None:
            # A trailing/leading bracket or separator can glue two numbers; keep the text as it was.
            return m.group(0)
        return label

    return DIGITS_RE.sub(_digits, out)


def can_see_raw(role: str | None) -> bool:
    """Whether ``role`` may see a comment before masking: admin yes; analyst, agent and anyone else no."""
    return (role or "").strip().lower() in RAW_ROLES


def comment_for_role(raw: str | None, masked: str | None, role: str | None) -> str:
    """What ``role`` is shown: the raw comment for admins, otherwise the masked one (masked now if missing)."""
    if can_see_raw(role):
        return raw or ""
    return masked if masked is not None else mask_pii(raw)
