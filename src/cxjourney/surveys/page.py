"""The hosted survey page (/s/<survey>): plain HTML form, mobile-friendly, PL/EN, keyboard and screen-reader
accessible, usable without JavaScript. Every text, including a respondent's own comment, is HTML-escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cxjourney.surveys.model import Survey

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)

TEXTS = {
    "en": {"send": "Send", "required": "required", "optional": "optional", "thanks": "Thank you!", "your_answers": "Your answers",
           "fix": "Please correct the following:", "language": "Language", "missing": "please answer this question",
           "link": "This survey link is not valid or has expired.", "unknown": "There is no such survey."},
    "pl": {"send": "Wyślij", "required": "wymagane", "optional": "opcjonalne", "thanks": "Dziękujemy!", "your_answers": "Twoje odpowiedzi",
           "fix": "Popraw, proszę:", "language": "Język", "missing": "odpowiedz, proszę, na to pytanie",
           "link": "Ten link do ankiety jest nieprawidłowy lub wygasł.", "unknown": "Nie ma takiej ankiety."},
}
DEFAULT_LOW = {"en": {"nps": "Not at all likely", "csat": "Very dissatisfied", "ces": "Very difficult", "rating": ""},
               "pl": {"nps": "Zdecydowanie nie", "csat": "Bardzo niezadowolony", "ces": "Bardzo trudno", "rating": ""}}
DEFAULT_HIGH = {"en": {"nps": "Extremely likely", "csat": "Very satisfied", "ces": "Very easy", "rating": ""},
                "pl": {"nps": "Zdecydowanie tak", "csat": "Bardzo zadowolony", "ces": "Bardzo łatwo", "rating": ""}}


def pick_language(requested: str | None, accept: str | None, default: str = "en") -> str:
    if requested in ("en", "pl"):
        return requested
    if accept:
        for part in accept.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in ("en", "pl"):
                return code
    return default if default in ("en", "pl") else "en"


def render_survey(survey: Survey, *, lang: str, action: str, hidden: dict[str, str], query: dict[str, str],
                  values: dict[str, str] | None = None, errors: list[dict[str, Any]] | None = None) -> str:
    t = TEXTS[lang]
    errs = []
    for e in errors or []:
        qid = str(e.get("field", "")).removeprefix("answers.")
        q = survey.question(qid)
        errs.append({"qid": qid, "label": q.text.get(lang) if q else qid, "message": t["missing"] if "required" in e.get("message", "") else e.get("message", "")})
    links = {code: "?" + urlencode({**query, "lang": code}) for code in ("en", "pl")}
    return _ENV.get_template("survey.html").render(
        survey=survey, lang=lang, t=t, action=action, hidden=list(hidden.items()), values=values or {}, errors=errs, done=False,
        languages=[("en", "English"), ("pl", "Polski")], lang_links=links, default_low=DEFAULT_LOW[lang], default_high=DEFAULT_HIGH[lang])


def render_thanks(survey: Survey, *, lang: str, given: list[tuple[str, str]], query: dict[str, str]) -> str:
    links = {code: "?" + urlencode({**query, "lang": code}) for code in ("en", "pl")}
    return _ENV.get_template("survey.html").render(
        survey=survey, lang=lang, t=TEXTS[lang], done=True, given=given, languages=[("en", "English"), ("pl", "Polski")],
        lang_links=links, values={}, errors=[], hidden=[], action="")


def render_message(message: str, *, lang: str) -> str:
    title = "cxjourney"
    return _ENV.from_string(
        '<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{{ title }}</title></head><body><main style=\"max-width:40rem;margin:2rem auto;font:16px/1.5 system-ui,sans-serif;padding:1rem\">"
        '<p role="alert">{{ message }}</p></main></body></html>').render(lang=lang, title=title, message=message)
