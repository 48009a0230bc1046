"""What follows an order: the order event itself, delivery by a courier, support tickets and reviews.

Experience is what later drives the survey scores: a courier's lateness (``delay_days``), a damaged
parcel, a failed first payment (``friction``), tickets and how long they took to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson

from cxjourney.demo import catalog as cat
from cxjourney.demo import frame as fr
from cxjourney.demo.people import DAY, People
from cxjourney.demo.visits import Orders

SUBJECTS = {
    "parcel": ("Gdzie jest moja paczka?", "Where is my parcel?"),
    "damaged": ("Uszkodzony produkt", "Damaged item"),
    "payment": ("Problem z płatnością", "Payment problem"),
    "return": ("Zwrot towaru", "Return an item"),
    "invoice": ("Prośba o fakturę", "Invoice request"),
    "address": ("Zmiana adresu dostawy", "Change of delivery address"),
}
SUBJECT_KEYS = list(SUBJECTS)


@dataclass
class Experience:
    """Per order: what the customer went through (arrays aligned with the orders)."""

    order_id: list[str]
    pg: np.ndarray
    local: np.ndarray
    ts: np.ndarray
    revenue: np.ndarray
    friction: np.ndarray
    courier: np.ndarray
    delay: np.ndarray
    damaged: np.ndarray
    delivered_at: np.ndarray  # inf when not delivered within the period
    # Tickets (aligned with each other, not with orders)
    t_pg: np.ndarray
    t_order: np.ndarray  # order row of the ticket
    t_subject: np.ndarray  # index into SUBJECT_KEYS
    t_created: np.ndarray
    t_resolved: np.ndarray  # inf when still open
    t_hours: np.ndarray
    t_reopened: np.ndarray
    t_id: list[str]


def _business_hours(rng: np.random.Generator, day_start: np.ndarray) -> np.ndarray:
    return day_start + (9.0 + 9.0 * rng.random(len(day_start))) * 3600.0


def after_orders(rng: np.random.Generator, people: People, orders: Orders, products: cat.Products,
                 buf: fr.EventBuffer, *, period: float, order_no: int, ticket_no: int) -> Experience:
    n = len(orders.ts)
    order_id = [f"ORD-{order_no + i:07d}" for i in range(n)]
    revenue = np.array([round(float(products.price[items].sum()), 2) for items in orders.items]) if n else np.zeros(0)
    props = []
    for i in range(n):
        items = orders.items[i]
        props.append(orjson.dumps({
            "order_id": order_id[i], "revenue": float(revenue[i]), "currency": cat.CURRENCY,
            "payment_attempts": 2 if orders.friction[i] else 1,
            "products": [{"product_id": products.sku[p], "sku": products.sku[p], "name": products.name[p],
                          "category": cat.CATEGORIES[int(products.category[p])][0], "price": float(products.price[p]),
                          "quantity": 1} for p in items],
        }).decode())
    buf.add(orders.ts, orders.pg, fr.K_ORDER_COMPLETED, revenue=revenue, props=props)

    # Delivery.
    shares = np.array([c[1] for c in cat.COURIERS])
    courier = rng.choice(len(cat.COURIERS), n, p=shares / shares.sum())
    on_time = rng.random(n) < np.array([c[2] for c in cat.COURIERS])[courier]
    extra = np.array([c[3] for c in cat.COURIERS])[courier]
    delay = np.where(on_time, 0, 1 + rng.poisson(np.maximum(extra - 1.0, 0.0)))
    promised = rng.integers(1, 4, n)
    damaged = rng.random(n) < 0.03
    delivered = _business_hours(rng, (np.floor(orders.ts / DAY) + promised + delay) * DAY)
    props = [orjson.dumps({"order_id": order_id[i], "courier": cat.COURIERS[int(courier[i])][0],
                           "promised_days": int(promised[i]), "delay_days": int(delay[i]), "on_time": bool(on_time[i])}).decode()
             for i in range(n)]
    buf.add(delivered, orders.pg, fr.K_ORDER_DELIVERED, chan=cat.CH["delivery"], web=False, props=props)
    delivered_at = np.where(delivered < period, delivered, np.inf)

    # Tickets: late parcels, damage and payment trouble make people write in.
    p_ticket = 0.06 + 0.15 * ((delay >= 1) & (delay < 3)) + 0.45 * (delay >= 3) + 0.65 * damaged + 0.08 * orders.friction
    has = rng.random(n) < np.minimum(p_ticket, 0.95)
    rows = np.flatnonzero(has)
    subj = np.where(damaged[rows], 1, np.where(delay[rows] >= 1, 0, np.where(orders.friction[rows], 2, rng.integers(3, 6, len(rows)))))
    created = np.where(
        subj == 0, (np.floor(orders.ts[rows] / DAY) + promised[rows] + 1) * DAY,
        np.where(subj == 1, delivered[rows], orders.ts[rows]),
    ) + rng.exponential(np.where(subj == 2, 600.0, 8 * 3600.0), len(rows)) + 60.0
    created = np.where(subj == 0, np.minimum(created, delivered[rows] - 3600.0), created)
    created = np.maximum(created, orders.ts[rows] + 60.0)
    hours = rng.lognormal(np.log(16.0), 0.9, len(rows)) * np.where(subj == 0, 1.8, 1.0)
    resolved = created + hours * 3600.0
    reopened = rng.random(len(rows)) < 0.12
    t_id = [f"TCK-{ticket_no + i:06d}" for i in range(len(rows))]
    lang = [cat.LANGUAGE[cat.COUNTRIES[int(people.country[orders.local[r]])]] for r in rows]

    def tprops(i: int, status: str) -> str:
        pl, en = SUBJECTS[SUBJECT_KEYS[int(subj[i])]]
        return orjson.dumps({"ticket_id": t_id[i], "subject": pl if lang[i] == "pl" else en, "status": status,
                             "topic": SUBJECT_KEYS[int(subj[i])], "order_id": order_id[int(rows[i])]}).decode()

    tpg = orders.pg[rows]
    rng_idx = range(len(rows))
    buf.add(created, tpg, fr.K_TICKET_CREATED, chan=cat.CH["support"], web=False, props=[tprops(i, "open") for i in rng_idx])
    buf.add(resolved, tpg, fr.K_TICKET_RESOLVED, chan=cat.CH["support"], web=False, props=[tprops(i, "resolved") for i in rng_idx])
    ro = np.flatnonzero(reopened)
    reopen_at = resolved[ro] + rng.exponential(DAY, len(ro)) + 3600.0
    re_resolved = reopen_at + rng.lognormal(np.log(20.0), 0.8, len(ro)) * 3600.0
    buf.add(reopen_at, tpg[ro], fr.K_TICKET_CREATED, chan=cat.CH["support"], web=False, props=[tprops(int(i), "reopened") for i in ro])
    buf.add(re_resolved, tpg[ro], fr.K_TICKET_RESOLVED, chan=cat.CH["support"], web=False, props=[tprops(int(i), "resolved") for i in ro])
    final_resolved = resolved.copy()
    final_resolved[ro] = re_resolved
    hours_total = (final_resolved - created) / 3600.0

    # Reviews of delivered products: late or damaged parcels get angrier reviews.
    rv = np.flatnonzero(np.isfinite(delivered_at) & (rng.random(n) < 0.08 + 0.06 * (delay >= 3)))
    rating = np.clip(np.round(4.6 - 0.7 * np.minimum(delay[rv], 4) - 2.0 * damaged[rv] + rng.normal(0, 0.6, len(rv))), 1, 5)
    rprops = [orjson.dumps({"order_id": order_id[int(i)], "product_id": products.sku[orders.items[int(i)][0]],
                            "rating": int(r)}).decode() for i, r in zip(rv, rating, strict=True)]
    buf.add(delivered[rv] + rng.exponential(3 * DAY, len(rv)) + 3600.0, orders.pg[rv], fr.K_REVIEW, props=rprops)

    return Experience(
        order_id=order_id, pg=orders.pg, local=orders.local, ts=orders.ts, revenue=revenue, friction=orders.friction,
        courier=courier, delay=delay, damaged=damaged, delivered_at=delivered_at,
        t_pg=tpg, t_order=rows, t_subject=subj, t_created=created,
        t_resolved=np.where(final_resolved < period, final_resolved, np.inf), t_hours=hours_total, t_reopened=reopened,
        t_id=t_id,
    )
