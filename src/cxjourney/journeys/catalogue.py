"""Every metric a journey file may name, with its meaning and which direction is better.

Definitions and formulas are in docs/metrics.md; a test checks that every name here is documented there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class MetricInfo:
    name: str
    kind: Literal["count", "rate", "score", "money", "duration", "ratio"]
    better: Literal["higher", "lower"]
    en: str
    pl: str


_M = MetricInfo
METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        _M("reach", "count", "higher", "People reached at the touchpoint/stage", "Zasięg (osoby)"),
        _M("visits", "count", "higher", "Sessions (visits)", "Wizyty (sesje)"),
        _M("visitors", "count", "higher", "Distinct visitors", "Unikalni odwiedzający"),
        _M("new_visitors", "count", "higher", "Visitors seen for the first time", "Nowi odwiedzający"),
        _M("returning_visitors", "count", "higher", "Visitors seen before", "Powracający odwiedzający"),
        _M("pages_per_session", "ratio", "higher", "Page views per session", "Strony na sesję"),
        _M("time_on_site", "duration", "higher", "Mean session duration (s)", "Średni czas wizyty (s)"),
        _M("bounce_rate", "rate", "lower", "Sessions with one page view", "Współczynnik odrzuceń"),
        _M("subscriptions", "count", "higher", "Newsletter subscriptions", "Zapisy do newslettera"),
        _M("impressions", "count", "higher", "Ad impressions", "Wyświetlenia reklam"),
        _M("clicks", "count", "higher", "Ad clicks", "Kliknięcia reklam"),
        _M("ctr", "rate", "higher", "Click-through rate (clicks / impressions)", "CTR (kliknięcia / wyświetlenia)"),
        _M("cpc", "money", "lower", "Cost per click", "Koszt kliknięcia"),
        _M("engagement", "rate", "higher", "Sessions with 2+ interactions", "Zaangażowanie"),
        _M("conversion_rate", "rate", "higher", "Reached the stage and ordered", "Współczynnik konwersji"),
        _M("stage_conversion", "rate", "higher", "Reached this stage and the next", "Konwersja do kolejnego etapu"),
        _M("orders", "count", "higher", "Orders", "Zamówienia"),
        _M("revenue", "money", "higher", "Revenue", "Przychód"),
        _M("aov", "money", "higher", "Average order value", "Średnia wartość zamówienia"),
        _M("cost_per_conversion", "money", "lower", "Ad cost per order", "Koszt konwersji"),
        _M("leads", "count", "higher", "Checkouts started", "Leady (rozpoczęte zamówienia)"),
        _M("purchase_frequency", "ratio", "higher", "Orders per customer", "Zamówienia na klienta"),
        _M("repeat_purchase_rate", "rate", "higher", "Customers with 2+ orders", "Odsetek powtórnych zakupów"),
        _M("churn_rate", "rate", "lower", "Customers inactive beyond the churn window", "Wskaźnik odejść (churn)"),
        _M("retention_rate", "rate", "higher", "Customers active again in the next period", "Retencja"),
        _M("support_contacts", "count", "lower", "Support tickets", "Zgłoszenia do obsługi"),
        _M("nps", "score", "higher", "Net Promoter Score", "Net Promoter Score (NPS)"),
        _M("csat", "rate", "higher", "Customer satisfaction (top-2-box)", "Satysfakcja klienta (CSAT)"),
        _M("ces", "score", "lower", "Customer effort score (mean, 1-7)", "Wskaźnik wysiłku klienta (CES)"),
        _M("response_rate", "rate", "higher", "Surveys answered / shown", "Odsetek odpowiedzi"),
        _M("sentiment", "score", "higher", "Mean comment sentiment (-1..1)", "Średni sentyment komentarzy"),
        _M("reviews", "count", "higher", "Reviews submitted", "Wystawione opinie"),
        _M("referrals", "count", "higher", "Referrals sent", "Polecenia"),
        _M("clv", "money", "higher", "Predicted customer lifetime value", "Przewidywana wartość klienta (CLV)"),
    ]
}
