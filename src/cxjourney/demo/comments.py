"""Survey comments in Polish and English, composed from the shop's own phrase fragments.

A comment is an optional opener, a main sentence about the touchpoint's experience (late courier, failed
payment, slow support...), an optional detail and an optional closer, all chosen to match the score's
quality (bad / mixed / good), so sentiment and themes found in the text agree with the scores.
"""

from __future__ import annotations

import numpy as np

BAD, MIXED, GOOD = 0, 1, 2

OPENERS = {
    "pl": {
        BAD: ["Niestety jestem rozczarowany.", "Szczerze mówiąc, słabo.", "Bardzo źle to wyszło.", "Nie polecam.", "Porażka."],
        MIXED: ["Ogólnie w porządku.", "Jest OK, ale bez szału.", "Średnio.", "Mogło być lepiej."],
        GOOD: ["Super!", "Wszystko świetnie.", "Jestem bardzo zadowolona.", "Rewelacja.", "Polecam!"],
    },
    "en": {
        BAD: ["Really disappointed.", "Honestly, not good.", "Terrible experience.", "Would not recommend.", "Awful."],
        MIXED: ["It was okay overall.", "Fine, nothing special.", "So-so.", "Could have been better."],
        GOOD: ["Great!", "Everything was perfect.", "Very happy.", "Excellent.", "Highly recommend!"],
    },
}

MAIN = {
    ("delivery", "late"): {
        "pl": ["Kurier spóźnił się {days} dni i nikt nie dał znać.", "Paczka przyszła z opóźnieniem, kurier {courier} zawiódł.",
               "Czekałem na przesyłkę o {days} dni dłużej niż obiecano.", "Kurier nie przyjechał w zapowiedzianym terminie."],
        "en": ["The courier was {days} days late and nobody told me.", "My parcel arrived late, {courier} let me down.",
               "I waited {days} days longer than promised for the delivery.", "The courier never came on the promised day."],
    },
    ("delivery", "damaged"): {
        "pl": ["Paczka dotarła uszkodzona, pudełko było zgniecione.", "Produkt przyszedł porysowany, opakowanie rozerwane."],
        "en": ["The parcel arrived damaged, the box was crushed.", "The product came scratched and the packaging was torn."],
    },
    ("delivery", "ok"): {
        "pl": ["Dostawa na czas, kurier uprzejmy.", "Paczka przyszła szybko i dobrze zapakowana.", "Przesyłka dotarła nawet przed terminem.",
               "Kurier {courier} bardzo sprawny."],
        "en": ["Delivered on time and the courier was friendly.", "The parcel came fast and well packed.", "It even arrived before the promised date.",
               "{courier} was quick and reliable."],
    },
    ("checkout", "friction"): {
        "pl": ["Płatność nie przeszła za pierwszym razem i musiałam płacić dwa razy.", "BLIK wywalił błąd przy płatności.",
               "Koszyk się zawiesił przy płaceniu, musiałem zaczynać od nowa."],
        "en": ["The payment failed the first time and I had to pay again.", "The card payment threw an error at checkout.",
               "Checkout froze when paying and I had to start over."],
    },
    ("checkout", "ok"): {
        "pl": ["Zamówienie złożone w minutę, płatność BLIK bez problemu.", "Bardzo prosty i szybki proces zakupu.", "Wygodna płatność i jasne podsumowanie koszyka."],
        "en": ["Ordered in a minute, payment went through smoothly.", "A very simple and quick checkout.", "Easy payment and a clear order summary."],
    },
    ("support", "slow"): {
        "pl": ["Na odpowiedź z obsługi czekałem kilka dni.", "Musiałam kilka razy opisywać ten sam problem.", "Konsultant odsyłał mnie od jednej osoby do drugiej."],
        "en": ["I waited days for customer service to answer.", "I had to explain the same problem several times.", "I was passed from one agent to another."],
    },
    ("support", "ok"): {
        "pl": ["Obsługa klienta odpowiedziała szybko i konkretnie.", "Konsultantka rozwiązała sprawę od ręki.", "Zwrot załatwiony bez problemu."],
        "en": ["Customer service answered quickly and to the point.", "The agent solved it right away.", "The return was sorted out without any hassle."],
    },
    ("support", "mixed"): {
        "pl": ["Sprawa załatwiona, ale trwało to dłużej, niż bym chciał.", "Konsultant miły, choć musiałam dzwonić dwa razy.",
               "W końcu pomogli, ale odpowiedź przyszła dopiero po dwóch dniach."],
        "en": ["Sorted in the end, but it took longer than I'd like.", "The agent was nice, though I had to call twice.",
               "They helped eventually, but the answer took two days."],
    },
    ("support", "parcel"): {
        "pl": ["Nikt w obsłudze nie potrafił powiedzieć, gdzie jest moja paczka.",
               "Pytałem o status przesyłki trzy razy i za każdym razem dostałem inną odpowiedź."],
        "en": ["Nobody in customer service could tell me where my parcel was.",
               "I asked about my parcel three times and got three different answers."],
    },
    ("support", "damaged"): {
        "pl": ["Dwa razy prosili o zdjęcia uszkodzonego produktu, zanim wysłali nowy.", "Reklamacja uszkodzonego towaru ciągnęła się tygodniami."],
        "en": ["They asked twice for photos of the damaged item before sending a new one.", "The complaint about the damaged item dragged on for weeks."],
    },
    ("support", "payment"): {
        "pl": ["Pobrali pieniądze dwa razy, a zwrot nadpłaty trwał długo.", "Nikt nie umiał wyjaśnić, dlaczego płatność została odrzucona."],
        "en": ["I was charged twice and the refund of the extra payment took ages.", "Nobody could explain why my payment was declined."],
    },
    ("support", "return"): {
        "pl": ["Zwrot pieniędzy za oddany towar trwał trzy tygodnie.", "Formularz zwrotu jest zagmatwany, a etykiety nie dostałam."],
        "en": ["The refund for my return took three weeks.", "The return form is confusing and I never got the label."],
    },
    ("support", "invoice"): {
        "pl": ["O fakturę musiałem prosić trzy razy, a i tak miała błędne dane.", "Korekta faktury zajęła ponad tydzień."],
        "en": ["I had to ask for the invoice three times and it still had the wrong details.", "Correcting the invoice took over a week."],
    },
    ("support", "address"): {
        "pl": ["Zmieniłam adres dostawy, ale kurier i tak pojechał pod stary.", "Zmiana adresu wymagała kilku maili."],
        "en": ["I changed the delivery address but the courier still went to the old one.", "Changing the address took several e-mails."],
    },
    ("support", "good"): {
        "pl": ["Obsługa klienta zawsze pomocna i miła.", "Zwroty bez problemu, pieniądze wracają szybko."],
        "en": ["Customer service is always helpful and kind.", "Returns are painless and the money comes back quickly."],
    },
    ("checkout", "costs"): {
        "pl": ["Koszt dostawy pokazał się dopiero na końcu zamówienia.", "Wymuszanie zakładania konta przy zakupie jest irytujące.",
               "Kod rabatowy nie zadziałał w koszyku."],
        "en": ["The delivery cost only showed up at the very end.", "Being forced to create an account to buy is annoying.",
               "My discount code did not work in the cart."],
    },
    ("price", "bad"): {
        "pl": ["Ceny wyższe niż u konkurencji.", "Za drogo w porównaniu z innymi sklepami.", "Promocje są tylko pozorne, ceny wciąż wysokie."],
        "en": ["Prices are higher than elsewhere.", "Too expensive compared with other shops.", "The sales are fake, prices are still high."],
    },
    ("range", "bad"): {
        "pl": ["Mały wybór produktów w mojej kategorii.", "Połowa rzeczy, których szukałam, była niedostępna.", "Brakuje popularnych marek."],
        "en": ["Not much choice in the category I shop.", "Half the things I looked for were out of stock.", "Popular brands are missing."],
    },
    ("site", "bad"): {
        "pl": ["Strona działa wolno na telefonie.", "Wyszukiwarka nie znajduje produktów po nazwie.", "Aplikacja ciągle się wylogowuje."],
        "en": ["The website is slow on my phone.", "Search does not find products by name.", "The app keeps logging me out."],
    },
    ("product", "bad"): {
        "pl": ["Produkt niezgodny z opisem na stronie.", "Jakość gorsza niż na zdjęciach.", "Rozmiar zupełnie nie pasował do tabeli."],
        "en": ["The product did not match the description.", "The quality is worse than in the photos.", "The size was nothing like the size chart."],
    },
    ("email", "bad"): {
        "pl": ["Za dużo maili z newslettera, codziennie coś nowego.", "Wypisałem się z newslettera, a maile dalej przychodzą."],
        "en": ["Far too many newsletter e-mails, something every day.", "I unsubscribed from the newsletter and the e-mails keep coming."],
    },
    ("shop", "mixed"): {
        "pl": ["Produkty dobre, ale ceny mogłyby być niższe.", "Asortyment w porządku, dostawa bywa różna.", "Strona OK, choć wyszukiwarka słaba.",
               "Zamawiam od czasu do czasu, bez zachwytu, ale i bez problemów.", "Niezłe ceny, ale czas dostawy mógłby być krótszy."],
        "en": ["Good products, but prices could be lower.", "Decent range, delivery is hit and miss.", "The site is fine though search is weak.",
               "I order now and then, nothing exciting but no problems either.", "Fair prices, but delivery could be faster."],
    },
    ("shop", "good"): {
        "pl": ["Świetny wybór i dobre ceny.", "Zawsze szybka dostawa i dobra jakość.", "Kupuję tu regularnie i zawsze jestem zadowolona.",
               "Bardzo wygodna aplikacja i szybkie zakupy."],
        "en": ["Great selection and fair prices.", "Always fast delivery and good quality.", "I shop here regularly and I'm always happy.",
               "A very handy app and quick shopping."],
    },
    ("product", "good"): {
        "pl": ["Produkty dokładnie takie jak na zdjęciach, świetna jakość.", "Trafne rekomendacje, znalazłam dokładnie to, czego szukałam.",
               "Dobre opisy i tabela rozmiarów, wszystko pasuje."],
        "en": ["The products look exactly like the photos, great quality.", "Spot-on recommendations, I found exactly what I wanted.",
               "Good descriptions and size chart, everything fits."],
    },
    ("loyalty", "bad"): {
        "pl": ["Nowy program lojalnościowy to krok wstecz, punkty przepadają.", "Zabraliście rabat dla stałych klientów, szkoda.",
               "Po zmianach w programie lojalnościowym nie opłaca się już tu kupować."],
        "en": ["The new loyalty programme is a step back, my points expired.", "You took away the discount for regular customers.",
               "Since the loyalty programme changed it's no longer worth shopping here."],
    },
}

DETAILS = {
    "pl": {BAD: ["Drugi raz tak samo.", "Zero informacji o statusie.", "Straciłem sporo czasu.", "Nikt nie przeprosił.",
                 "Oczekiwałam więcej za te pieniądze."],
           MIXED: ["Tym razem wybaczam.", "Zobaczymy następnym razem.", "Bywało lepiej.", "Da się przeżyć."],
           GOOD: ["Na pewno wrócę.", "Tak trzymać!", "Polecę znajomym.", "Miło się kupuje."]},
    "en": {BAD: ["Second time this happened.", "No status updates at all.", "Wasted a lot of my time.", "Nobody apologised.",
                 "I expected more for the money."],
           MIXED: ["I'll let it slide this time.", "We'll see next time.", "It used to be better.", "I can live with it."],
           GOOD: ["Will definitely order again.", "Keep it up!", "Will tell my friends.", "A pleasure to shop here."]},
}
CLOSERS = {
    "pl": {BAD: ["Zastanowię się nad innym sklepem.", "Proszę to poprawić."], MIXED: ["Dziękuję.", "Pozdrawiam."],
           GOOD: ["Dziękuję!", "Pozdrawiam serdecznie."]},
    "en": {BAD: ["Thinking of shopping elsewhere.", "Please fix this."], MIXED: ["Thanks.", "Regards."], GOOD: ["Thank you!", "Cheers."]},
}
CONTACT = {
    "pl": ["Proszę o kontakt: {email}", "Proszę zadzwonić pod numer {phone}.", "Mój mail to {email}, czekam na odpowiedź."],
    "en": ["Please contact me at {email}", "Call me on {phone} please.", "My e-mail is {email}, waiting for a reply."],
}
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


class CommentWriter:
    """Composes comments from a numpy Generator (deterministic).

    About 1% of comments leave an e-mail or phone number (and always comments number ``pii_at``), so PII
    masking has something to mask; comments number ``xss_at`` end with a script/img payload for XSS tests.
    """

    def __init__(self, rng: np.random.Generator, xss_at: tuple[int, int] | None = (7, 19),
                 pii_at: tuple[int, ...] = (3, 29), pii_rate: float = 0.012):
        self.rng = rng
        self.n = 0
        self.xss_at = xss_at
        self.pii_at = pii_at
        self.pii_rate = pii_rate

    def _pick(self, options: list[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def write(self, topic: tuple[str, str] | list[tuple[str, str]], quality: int, lang: str, *, courier: str = "",
              days: int = 0, email: str = "", phone: str = "") -> str:
        """A comment on ``topic`` (or on one of a list of topics, picked at random)."""
        if isinstance(topic, list):
            topic = topic[int(self.rng.integers(len(topic)))]
        parts = []
        if self.rng.random() < 0.5:
            parts.append(self._pick(OPENERS[lang][quality]))
        parts.append(self._pick(MAIN[topic][lang]).format(courier=courier, days=max(days, 1)))
        if self.rng.random() < 0.3:
            parts.append(self._pick(DETAILS[lang][quality]))
        if self.rng.random() < 0.2:
            parts.append(self._pick(CLOSERS[lang][quality]))
        if email and (self.rng.random() < self.pii_rate or self.n in self.pii_at):
            parts.append(self._pick(CONTACT[lang]).format(email=email, phone=phone))
        if self.xss_at is not None and self.n in self.xss_at:
            parts.append(XSS[self.xss_at.index(self.n)])
        self.n += 1
        return " ".join(parts)


def phone_number(pg: int, country: str) -> str:
    """A made-up phone number in the country's format."""
    x = (pg * 7919 + 12345) % 10_000_000
    if country == "PL":
        return f"+48 6{x // 100000 % 100:02d} {x // 1000 % 100:02d}{x // 100 % 10} {x % 1000:03d}"
    if country == "GB":
        return f"+44 7700 9{x % 100000:05d}"
    return f"+49 151 {x:07d}"
