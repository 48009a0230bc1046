"""Who visits the demo shop: customers (who sign up) and anonymous visitors (who never do).

A chunk of people is a :class:`People` of numpy arrays; the global person index ``pg`` ties every generated
row back to a person. Times are seconds since the start of the demo period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxjourney.demo import catalog as cat

DAY = 86400.0

# Where a person's first visit comes from.
SRC_ORGANIC, SRC_DIRECT, SRC_SOCIAL, SRC_REFERRAL, SRC_AD, SRC_EMAIL = range(6)


@dataclass
class People:
    pg: np.ndarray  # global person index
    customer: bool  # the whole chunk is customers (sign up) or anonymous visitors
    country: np.ndarray  # index into catalog.COUNTRIES
    device: np.ndarray  # index into catalog.DEVICES
    segment: np.ndarray  # index into catalog.SEGMENTS (customers; 0 for visitors)
    arrive: np.ndarray  # first visit, seconds
    leave: np.ndarray  # end of activity (churn or end of period), seconds
    rate: np.ndarray  # visits per day while active
    buyer: np.ndarray  # bool: ever orders
    p_order: np.ndarray  # probability a visit ends in an order (buyers, once identified)
    p_drop: np.ndarray  # probability of never coming back after an order (BG/NBD-style dropout)
    fav: np.ndarray  # favourite category
    source: np.ndarray  # SRC_* of the first visit
    campaign: np.ndarray  # campaign index of the first visit (-1 if none)
    subscriber: np.ndarray  # bool: subscribes to the newsletter at sign-up

    def __len__(self) -> int:
        return len(self.pg)


def make_people(rng: np.random.Generator, pg0: int, n: int, *, customers: bool, period: float) -> People:
    pg = np.arange(pg0, pg0 + n, dtype=np.int64)
    country = rng.choice(len(cat.COUNTRIES), n, p=cat.COUNTRY_WEIGHTS)
    device = rng.choice(len(cat.DEVICES), n, p=cat.DEVICE_WEIGHTS)
    fav = rng.integers(0, len(cat.CATEGORIES), n)
    if customers:
        segment = rng.choice(len(cat.SEGMENTS), n, p=cat.SEGMENT_WEIGHTS)
        # Loyal and VIP customers were already around when the period starts; new ones keep arriving.
        u = rng.random(n)
        arrive = np.where(segment == 0, u**0.85, u**2.2) * period * 0.97
        mean_life = np.array([35.0, 150.0, 300.0])[segment] * DAY
        life = rng.exponential(mean_life)
        leave = np.minimum(arrive + life, period)
        rate = np.array([0.05, 0.07, 0.12])[segment] * rng.lognormal(0.0, 0.45, n)
        buyer = rng.random(n) < np.array([0.62, 0.93, 1.0])[segment]
        p_order = np.array([0.115, 0.11, 0.15])[segment] * rng.lognormal(0.0, 0.35, n)
        subscriber = rng.random(n) < np.array([0.40, 0.55, 0.65])[segment]
        # After each order a customer may be gone for good; how likely differs a lot between customers.
        p_drop = rng.beta(np.array([0.5, 0.45, 0.4])[segment], np.array([0.9, 1.3, 1.8])[segment])
        src_p = np.array([0.44, 0.16, 0.08, 0.07, 0.25, 0.0])
    else:
        segment = np.zeros(n, dtype=np.int64)
        arrive = rng.random(n) * period * 0.995
        leave = np.minimum(arrive + rng.exponential(15 * DAY, n), period)
        rate = 0.04 * rng.lognormal(0.0, 0.5, n)
        buyer = np.zeros(n, dtype=bool)
        p_order = np.zeros(n)
        p_drop = np.zeros(n)
        subscriber = np.zeros(n, dtype=bool)
        src_p = np.array([0.50, 0.25, 0.12, 0.09, 0.04, 0.0])
    source = rng.choice(6, n, p=src_p / src_p.sum())
    w = cat.AD_ARRIVAL_WEIGHTS / cat.AD_ARRIVAL_WEIGHTS.sum()
    campaign = np.where(source == SRC_AD, np.array(cat.AD_CAMPAIGNS)[rng.choice(len(w), n, p=w)], -1)
    return People(pg, customers, country, device, segment, arrive, leave, rate, buyer, p_order, p_drop, fav, source,
                  campaign, subscriber)


def anonymous_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Browser-cookie style ids (UUID text), drawn from the seed."""
    hi = rng.integers(0, 2**63, n, dtype=np.int64)
    lo = rng.integers(0, 2**63, n, dtype=np.int64)
    out = []
    for a, b in zip(hi.tolist(), lo.tolist(), strict=True):
        h = f"{a:016x}{b:016x}"
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}")
    return out


def user_id(pg: int) -> str:
    return f"u{pg + 1:07d}"


def identity(rng: np.random.Generator, people: People) -> list[dict[str, str]]:
    """Name, e-mail and city per customer (the identify traits)."""
    out = []
    firsts = rng.random(len(people))
    lasts = rng.random(len(people))
    cities = rng.random(len(people))
    domains = ["example.com", "example.net", "example.org"]
    for i in range(len(people)):
        c = cat.COUNTRIES[int(people.country[i])]
        fn = cat.FIRST_NAMES[c][int(firsts[i] * len(cat.FIRST_NAMES[c]))]
        ln = cat.LAST_NAMES[c][int(lasts[i] * len(cat.LAST_NAMES[c]))]
        city = cat.CITIES[c][int(cities[i] * len(cat.CITIES[c]))]
        local = _ascii(f"{fn}.{ln}").lower()
        email = f"{local}{int(people.pg[i]) % 997}@{domains[int(people.pg[i]) % 3]}"
        out.append({"first_name": fn, "last_name": ln, "name": f"{fn} {ln}", "email": email, "city": city})
    return out


_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻäöüÄÖÜß", "acelnoszzACELNOSZZaouAOUs")


def _ascii(s: str) -> str:
    return s.translate(_FOLD)
