"""The demo shop's fixed world: categories, products, pages, campaigns, couriers, names and cities.

Everything here is the shop's own invention (the brand names are fictional). Products are drawn from the
seed, so two seeds give two different assortments; the lookup tables are small and go to DuckDB as is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHOP = "https://shop.example"
CURRENCY = "PLN"

# (slug, Polish name, price median PLN, nouns) -- products are "<noun> <line>".
CATEGORIES: list[tuple[str, str, float, list[str]]] = [
    ("elektronika", "Elektronika", 320.0, ["Słuchawki", "Głośnik", "Powerbank", "Smartwatch", "Czytnik e-booków", "Ładowarka"]),
    ("dom-i-ogrod", "Dom i ogród", 140.0, ["Czajnik", "Lampka", "Poduszka", "Komplet pościeli", "Doniczka", "Ekspres"]),
    ("moda", "Moda", 160.0, ["Kurtka", "Sweter", "Sneakersy", "Plecak", "Koszula", "Szalik"]),
    ("sport", "Sport", 190.0, ["Buty do biegania", "Mata do jogi", "Hantle", "Bidon", "Rower treningowy", "Kask"]),
    ("uroda", "Uroda", 60.0, ["Krem SPF 50", "Serum", "Szampon", "Perfumy", "Balsam", "Maseczka"]),
    ("dziecko", "Dziecko", 90.0, ["Klocki", "Pluszak", "Puzzle", "Hulajnoga", "Gra planszowa", "Kredki"]),
]
LINES = ["Aero", "Nova", "Basic", "Pro", "Lite", "Max", "Eko", "Urban", "Classic", "Flex", "Zen", "Vita"]
PRODUCTS_PER_CATEGORY = 80

SEARCHES = [
    "sluchawki bezprzewodowe", "buty do biegania", "krem spf", "klocki", "czajnik elektryczny", "kurtka zimowa",
    "mata do jogi", "powerbank", "prezent dla taty", "plecak", "perfumy", "smartwatch", "lampka nocna", "puzzle",
    "wireless headphones", "running shoes", "gift ideas",
]
FIXED_PAGES = [
    ("/cart", "Cart"), ("/checkout", "Checkout"), ("/checkout/thank-you", "Order Confirmation"),
    ("/account/register", "Sign Up"),
]


@dataclass(frozen=True)
class Campaign:
    name: str
    channel: str  # 'ads' or 'email'
    source: str
    medium: str
    ctr: float  # clicks per impression (ads); clicks per open (e-mail)
    cpc: float = 0.0  # PLN per click (search), 0 when bought per thousand impressions
    cpm: float = 0.0  # PLN per 1000 impressions
    landing: str = "product"  # where a click lands: product, category or home


CAMPAIGNS: list[Campaign] = [
    Campaign("brand-search", "ads", "google", "cpc", 0.075, cpc=0.85, landing="home"),
    Campaign("generic-search", "ads", "google", "cpc", 0.034, cpc=1.90, landing="product"),
    Campaign("social-prospecting", "ads", "facebook", "paid_social", 0.012, cpm=14.0, landing="product"),
    Campaign("display-retargeting", "ads", "gdn", "display", 0.007, cpm=9.0, landing="product"),
    Campaign("newsletter", "email", "newsletter", "email", 0.14, cpm=20.0, landing="category"),
    Campaign("cart-recovery", "email", "crm", "email", 0.30, cpm=20.0, landing="product"),
    Campaign("win-back", "email", "crm", "email", 0.10, cpm=20.0, landing="home"),
]
AD_CAMPAIGNS = [i for i, c in enumerate(CAMPAIGNS) if c.channel == "ads"]
EMAIL_CAMPAIGNS = [i for i, c in enumerate(CAMPAIGNS) if c.channel == "email"]
# Share of ad-driven first visits by campaign (search brings most visitors, display few).
AD_ARRIVAL_WEIGHTS = np.array([0.35, 0.40, 0.15, 0.10])
EMAIL_VISIT_WEIGHTS = np.array([0.70, 0.20, 0.10])

# Courier: (name, share of parcels, probability on time, mean extra days when late).
COURIERS: list[tuple[str, float, float, float]] = [
    ("SzybkaPaczka", 0.45, 0.86, 1.6),
    ("EuroKurier", 0.30, 0.66, 2.8),
    ("PaczkaPlus", 0.25, 0.80, 1.9),
]

REFERRERS = ["https://www.google.com/", "https://l.facebook.com/", "https://www.bing.com/", "https://blog.example/"]

# Channel codes used inside the generator, mapped to the events.channel text by the loader.
CHANNELS = ["web", "ads", "email", "delivery", "support", "social", "referral"]
CH = {name: i for i, name in enumerate(CHANNELS)}

COUNTRIES = ["PL", "GB", "DE"]
COUNTRY_WEIGHTS = np.array([0.60, 0.25, 0.15])
LOCALES = {"PL": "pl-PL", "GB": "en-GB", "DE": "de-DE"}
LANGUAGE = {"PL": "pl", "GB": "en", "DE": "en"}  # survey language (the shop surveys in Polish or English)
CITIES = {
    "PL": ["Warszawa", "Kraków", "Wrocław", "Poznań", "Gdańsk", "Łódź", "Lublin", "Katowice", "Szczecin", "Białystok"],
    "GB": ["London", "Manchester", "Birmingham", "Leeds", "Bristol", "Glasgow", "Liverpool"],
    "DE": ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Leipzig", "Dresden"],
}
FIRST_NAMES = {
    "PL": ["Anna", "Maria", "Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Zofia", "Piotr", "Krzysztof", "Tomasz",
           "Paweł", "Michał", "Marcin", "Jakub", "Kamil", "Ewa", "Marta", "Łukasz", "Julia", "Mateusz"],
    "GB": ["Oliver", "George", "Harry", "Jack", "Amelia", "Olivia", "Emily", "Sophie", "James", "Charlotte", "Thomas", "Grace"],
    "DE": ["Lukas", "Leon", "Finn", "Jonas", "Mia", "Emma", "Hannah", "Lena", "Felix", "Paul", "Lea", "Sophia"],
}
LAST_NAMES = {
    "PL": ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski", "Zielińska", "Szymański",
           "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Krawczyk", "Piotrowska"],
    "GB": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch"],
}
SEGMENTS = ["new", "loyal", "vip"]
SEGMENT_WEIGHTS = np.array([0.60, 0.30, 0.10])
DEVICES = ["mobile", "desktop", "tablet"]
DEVICE_WEIGHTS = np.array([0.60, 0.34, 0.06])

# Hour-of-day and day-of-week profiles of visits (Sunday evening is the busiest time in online retail).
HOUR_WEIGHTS = np.array([1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.4, 2.0, 2.4, 2.6, 2.7, 2.9, 2.8, 2.7, 2.7, 2.8, 3.1,
                         3.6, 4.2, 4.6, 4.4, 3.4, 2.0])
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
DOW_WEIGHTS = np.array([0.92, 0.88, 0.86, 0.88, 0.80, 0.78, 1.00])  # Monday .. Sunday, max 1


@dataclass
class Products:
    sku: list[str]
    name: list[str]
    category: np.ndarray  # category index per product
    price: np.ndarray  # PLN


def make_products(rng: np.random.Generator) -> Products:
    skus, names, cats, prices = [], [], [], []
    n = 0
    for ci, (_, _, median, nouns) in enumerate(CATEGORIES):
        p = np.round(median * rng.lognormal(0.0, 0.55, PRODUCTS_PER_CATEGORY), 0) - 0.01
        for k in range(PRODUCTS_PER_CATEGORY):
            n += 1
            skus.append(f"SKU-{10000 + n}")
            names.append(f"{nouns[k % len(nouns)]} {LINES[(k // len(nouns)) % len(LINES)]} {k // (len(nouns) * len(LINES)) + 1}")
            cats.append(ci)
            prices.append(max(9.99, float(p[k])))
    return Products(skus, names, np.array(cats), np.array(prices))


class Pages:
    """Page codes: 0 home, then categories, searches, products, fixed pages."""

    HOME = 0
    CAT0 = 1
    SEARCH0 = CAT0 + len(CATEGORIES)
    PROD0 = SEARCH0 + len(SEARCHES)
    N_PRODUCTS = PRODUCTS_PER_CATEGORY * len(CATEGORIES)
    CART = PROD0 + N_PRODUCTS
    CHECKOUT = CART + 1
    THANKS = CART + 2
    REGISTER = CART + 3

    @staticmethod
    def rows(products: Products) -> list[tuple[int, str, str, str]]:
        """(code, path, url, page name) for every page of the shop."""
        rows = [(Pages.HOME, "/", f"{SHOP}/", "Home")]
        for i, (slug, _, _, _) in enumerate(CATEGORIES):
            rows.append((Pages.CAT0 + i, f"/c/{slug}", f"{SHOP}/c/{slug}", "Category"))
        for i, q in enumerate(SEARCHES):
            rows.append((Pages.SEARCH0 + i, "/search", f"{SHOP}/search?q={q.replace(' ', '+')}", "Search"))
        for i, sku in enumerate(products.sku):
            rows.append((Pages.PROD0 + i, f"/p/{sku}", f"{SHOP}/p/{sku}", "Product"))
        for j, (path, name) in enumerate(FIXED_PAGES):
            rows.append((Pages.CART + j, path, f"{SHOP}{path}", name))
        return rows
