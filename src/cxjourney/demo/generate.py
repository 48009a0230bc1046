"""``generate(store, seed=..., customers=..., events=..., start=..., months=...)``: the demo shop, in chunks.

Customers (people who sign up) come first, in chunks of :data:`CUSTOMER_CHUNK`; then anonymous visitors
(who never sign up) are added chunk by chunk until the event target is reached. Every chunk draws from
its own generator seeded by ``(seed, kind, chunk number)``, so the result depends only on the options.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from cxjourney.demo import catalog as cat
from cxjourney.demo import frame as fr
from cxjourney.demo.aftercare import after_orders
from cxjourney.demo.comments import CommentWriter
from cxjourney.demo.loader import PEOPLE_SCHEMA, Loader
from cxjourney.demo.media import ad_impressions, newsletter_opens
from cxjourney.demo.people import anonymous_ids, identity, make_people, user_id
from cxjourney.demo.surveys import Responses, run_surveys
from cxjourney.demo.visits import generate_visits
from cxjourney.errors import ValidationFailed

DEFAULT_START = date(2026, 5, 1)
DEFAULT_EVENTS = 500_000
EVENTS_PER_CUSTOMER = 100  # --customers defaults to --events / this
CUSTOMER_CHUNK = 4_000
VISITOR_CHUNK = 25_000
Progress = Callable[[str, int, int], None]


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _check(seed: int, customers: int | None, events: int, months: int) -> None:
    errors = []
    if not isinstance(seed, int) or seed < 0:
        errors.append({"field": "seed", "value": seed, "message": "seed must be a whole number >= 0"})
    if customers is not None and not 10 <= customers <= 10_000_000:
        errors.append({"field": "customers", "value": customers, "message": "customers must be between 10 and 10,000,000"})
    if not 1_000 <= events <= 1_000_000_000:
        errors.append({"field": "events", "value": events, "message": "events must be between 1,000 and 1,000,000,000"})
    if not 1 <= months <= 36:
        errors.append({"field": "months", "value": months, "message": "months must be between 1 and 36"})
    if errors:
        raise ValidationFailed(f"invalid demo options: {errors[0]['message']} (got {errors[0]['value']!r})", errors=errors)


def ensure_empty(store: Any, force: bool) -> None:
    """Refuse a store that already holds events, unless ``force``."""
    existing = int(store.con.execute("SELECT count(*) FROM events").fetchall()[0][0])
    if existing and not force:
        raise ValidationFailed(
            f"the workspace already holds {existing:,} events; use --force to clear it and write the demo",
            errors=[{"field": "force", "value": False, "message": "workspace is not empty"}],
        )


def generate(store: Any, *, seed: int = 7, customers: int | None = None, events: int = DEFAULT_EVENTS,
             start: date = DEFAULT_START, months: int = 6, force: bool = False,
             progress: Progress | None = None) -> dict[str, Any]:
    """Write the demo online store into ``store``; returns counts of what was written.

    ``events`` is a target: generation stops at the first visitor chunk that reaches it (so the count is
    at least ``events`` unless the customers alone produce more). ``customers`` defaults to
    ``events / 100``. Refuses a store that already holds events unless ``force`` (which clears the data
    tables first: events, persons, identities, responses, ad costs and derived tables).
    """
    _check(seed, customers, events, months)
    n_customers = customers if customers is not None else max(10, events // EVENTS_PER_CUSTOMER)
    ensure_empty(store, force)
    t0 = datetime(start.year, start.month, start.day)
    end = add_months(start, months)
    t1 = datetime(end.year, end.month, end.day)
    period = (t1 - t0).total_seconds()
    start_dow = t0.weekday()
    products = cat.make_products(np.random.default_rng([seed, 0, 0]))
    loader = Loader(store, start=t0, seed=seed, products=products, days=int(np.ceil(period / 86400.0)))
    report = progress or (lambda stage, done, total: None)
    try:
        if force:
            loader.clear()
        state = {"li": 0, "order": 1, "ticket": 1, "response": 1, "events": 0}
        writer = CommentWriter(np.random.default_rng([seed, 3, 0]))
        pg0 = 0
        chunk = 0
        while pg0 < n_customers:
            n = min(CUSTOMER_CHUNK, n_customers - pg0)
            _chunk(np.random.default_rng([seed, 1, chunk]), pg0, n, True, period, start_dow, products, loader, writer, state)
            pg0 += n
            chunk += 1
            report("customers", state["events"], events)
        chunk = 0
        per_visitor = 7.0  # events per anonymous visitor; re-measured after every chunk
        while state["events"] < events:
            need = events - state["events"]
            share = 0.7 if chunk == 0 else 1.0  # the first chunk measures events per visitor
            n = int(min(VISITOR_CHUNK, max(50, np.ceil(share * need / per_visitor))))
            before = state["events"]
            _chunk(np.random.default_rng([seed, 2, chunk]), pg0, n, False, period, start_dow, products, loader, writer, state)
            per_visitor = max((state["events"] - before) / n, 0.5)
            pg0 += n
            chunk += 1
            report("visitors", min(state["events"], events), events)
        report("loading", events, events)
        counts = loader.finish(t1)
    finally:
        loader.cleanup()
    counts.update({"seed": seed, "start": t0.date().isoformat(), "end": t1.date().isoformat(), "months": months})
    return counts


def _chunk(rng: np.random.Generator, pg0: int, n: int, customers: bool, period: float, start_dow: int,
           products: cat.Products, loader: Loader, writer: CommentWriter, state: dict[str, int]) -> None:
    people = make_people(rng, pg0, n, customers=customers, period=period)
    anon = anonymous_ids(rng, n)
    buf = fr.EventBuffer()
    visits = generate_visits(rng, people, buf, period=period, start_dow=start_dow, prices=products.price)
    clicks = np.zeros(len(cat.CAMPAIGNS))
    for b in buf.blocks:
        hit = b["kind"] == fr.K_AD_CLICKED
        if hit.any():
            clicks += np.bincount(b["camp"][hit], minlength=len(cat.CAMPAIGNS))
    ad_impressions(rng, people, clicks, loader.impressions, period)
    responses = Responses()
    if customers:
        info = identity(rng, people)
        uids = [user_id(int(g)) for g in people.pg]
        newsletter_opens(rng, people, visits.identified_at, period, start_dow, buf)
        exp = after_orders(rng, people, visits.orders, products, buf, period=period,
                           order_no=state["order"], ticket_no=state["ticket"])
        state["order"] += len(exp.ts)
        state["ticket"] += len(exp.t_id)
        emails = [i["email"] for i in info]
        state["response"] = run_surveys(rng, people, exp, visits.identified_at, buf, responses, writer, emails,
                                        period=period, response_no=state["response"], user_ids=uids)
        traits = [_traits(info[i], people, i) for i in range(n)]
        people_tbl = pa.table({
            "pg": people.pg, "person_id": uids, "user_id": uids, "anonymous_id": anon, "email": emails, "traits": traits,
            "locale": [cat.LOCALES[cat.COUNTRIES[int(c)]] for c in people.country],
            "device": [cat.DEVICES[int(d)] for d in people.device],
        }, schema=PEOPLE_SCHEMA)
    else:
        people_tbl = pa.table({
            "pg": people.pg, "person_id": anon, "user_id": [None] * n, "anonymous_id": anon, "email": [None] * n,
            "traits": ["{}"] * n, "locale": [cat.LOCALES[cat.COUNTRIES[int(c)]] for c in people.country],
            "device": [cat.DEVICES[int(d)] for d in people.device],
        }, schema=PEOPLE_SCHEMA)
    table = buf.to_arrow(visits.identified_at, pg0, state["li"], period)
    state["li"] += table.num_rows
    state["events"] += table.num_rows
    loader.add_chunk(table, people_tbl)
    loader.add_responses(responses.cols)


def _traits(info: dict[str, str], people: Any, i: int) -> str:
    import orjson

    country = cat.COUNTRIES[int(people.country[i])]
    return orjson.dumps({
        **info, "country": country, "segment": cat.SEGMENTS[int(people.segment[i])],
        "device": cat.DEVICES[int(people.device[i])], "language": cat.LANGUAGE[country],
        "newsletter": bool(people.subscriber[i]),
    }).decode()
