"""Visits to the shop, vectorised: when people come, from where, what they look at, and who buys.

Visits of a person follow a Poisson process between arrival and churn, thinned by the day-of-week profile
and placed at realistic hours. Each visit is a run of *steps* (landing page, browsing, cart, checkout,
order, sign-up) built as flat numpy arrays and expanded into events; seconds pass within a visit, days
between visits. A customer's visits before signing up are anonymous (the loader marks that by time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxjourney.demo import catalog as cat
from cxjourney.demo import frame as fr
from cxjourney.demo.people import (
    DAY,
    SRC_AD,
    SRC_DIRECT,
    SRC_EMAIL,
    SRC_ORGANIC,
    SRC_REFERRAL,
    SRC_SOCIAL,
    People,
)

P = cat.Pages
# Step kinds and the events each emits: (event kind, page code or None for "the step's own arg", offset s).
ST_PAGE, ST_PRODUCT, ST_ADD, ST_CHECKOUT, ST_RETRY, ST_ORDER, ST_IDENTIFY, ST_IDENTIFY_NL, ST_SIGNUP, ST_SIGNUP_NL = range(10)
STEP_EVENTS: list[list[tuple[int, int | None, float]]] = [
    [(fr.K_PAGE, None, 0.0)],
    [(fr.K_PAGE, -2, 0.0), (fr.K_PRODUCT_VIEWED, None, 0.8)],
    [(fr.K_PRODUCT_ADDED, None, 0.0)],
    [(fr.K_PAGE, P.CHECKOUT, 0.0), (fr.K_CHECKOUT_STARTED, -1, 0.6)],
    [(fr.K_CHECKOUT_STARTED, -1, 0.0)],
    [(fr.K_ORDER_COMPLETED, -1, 0.0), (fr.K_PAGE, P.THANKS, 1.5)],
    [(fr.K_IDENTIFY, -1, 0.0)],
    [(fr.K_IDENTIFY, -1, 0.0), (fr.K_NEWSLETTER, -1, 1.0)],
    [(fr.K_PAGE, P.REGISTER, 0.0), (fr.K_IDENTIFY, -1, 30.0)],
    [(fr.K_PAGE, P.REGISTER, 0.0), (fr.K_IDENTIFY, -1, 30.0), (fr.K_NEWSLETTER, -1, 31.0)],
]
DWELL_MEAN = np.array([45.0, 55.0, 12.0, 70.0, 40.0, 80.0, 35.0, 35.0, 45.0, 45.0])
DWELL_MIN = np.array([4.0, 6.0, 3.0, 20.0, 25.0, 30.0, 15.0, 15.0, 20.0, 20.0])


@dataclass
class Orders:
    """Orders placed in this chunk (one per converting visit)."""

    pg: np.ndarray
    local: np.ndarray  # person index within the chunk
    ts: np.ndarray  # time of Order Completed
    friction: np.ndarray  # bool: payment failed once before it went through
    items: list[list[int]]  # product indexes in the basket


@dataclass
class VisitResult:
    orders: Orders
    identified_at: np.ndarray  # per person: identify time (inf for visitors who never sign up)
    sessions: int


def _pick_products(rng: np.random.Generator, fav: np.ndarray) -> np.ndarray:
    n = len(fav)
    c = np.where(rng.random(n) < 0.6, fav, rng.integers(0, len(cat.CATEGORIES), n))
    return c * cat.PRODUCTS_PER_CATEGORY + (cat.PRODUCTS_PER_CATEGORY * rng.random(n) ** 2).astype(np.int64)


def generate_visits(rng: np.random.Generator, people: People, buf: fr.EventBuffer, *, period: float,
                    start_dow: int, prices: np.ndarray) -> VisitResult:
    n_people = len(people)
    active_days = (people.leave - people.arrive) / DAY
    n = 1 + rng.poisson(people.rate * active_days / 0.87)
    pi = np.repeat(np.arange(n_people), n)
    first = np.zeros(len(pi), dtype=bool)
    first[np.cumsum(n) - n] = True
    t = people.arrive[pi] + (people.leave - people.arrive)[pi] * rng.random(len(pi))
    t = np.where(first, people.arrive[pi], t)
    day = np.floor(t / DAY)
    hour = rng.choice(24, len(t), p=cat.HOUR_WEIGHTS)
    t = np.clip(day * DAY + (hour + rng.random(len(t))) * 3600.0, 0.0, period - 3600.0)
    keep = first | (rng.random(len(t)) < cat.DOW_WEIGHTS[(start_dow + day.astype(np.int64)) % 7])
    pi, t = pi[keep], t[keep]
    order = np.lexsort((t, pi))
    pi, t = pi[order], t[order]
    close = np.zeros(len(t), dtype=bool)
    close[1:] = (pi[1:] == pi[:-1]) & (t[1:] - t[:-1] < 2 * 3600.0)
    pi, t = pi[~close], t[~close]
    ns = len(pi)
    starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
    counts = np.diff(np.r_[starts, ns])
    k = np.arange(ns) - np.repeat(starts, counts)
    n_per = np.zeros(n_people, dtype=np.int64)
    n_per[pi[starts]] = counts

    # Who buys when, and when customers sign up (identify).
    big = np.iinfo(np.int64).max // 4
    if people.customer:
        conv = people.buyer[pi] & (rng.random(ns) < people.p_order[pi])
        f = np.full(n_people, big)
        np.minimum.at(f, pi[conv], k[conv])
        k_s = np.minimum(rng.geometric(0.5, n_people) - 1, n_per - 1)
        k_id = np.minimum(f, k_s)
        conv &= k >= k_id[pi]
        # Dropout after an order: the person's visits after that order are gone, and so is the person.
        gone = conv & (rng.random(ns) < people.p_drop[pi])
        cut = np.full(n_people, np.inf)
        np.minimum.at(cut, pi[gone], t[gone])
        stay = t <= cut[pi]
        pi, t, k, conv = pi[stay], t[stay], k[stay], conv[stay]
        ns = len(pi)
        people.leave[:] = np.minimum(people.leave, cut + 3600.0)
        id_sess = k == k_id[pi]
        id_at_checkout = id_sess & conv
        id_at_end = id_sess & ~conv
    else:
        conv = np.zeros(ns, dtype=bool)
        k_id = np.full(n_people, big)
        id_at_checkout = id_at_end = conv

    # Where each visit comes from.
    src = np.where(k == 0, people.source[pi], np.where(rng.random(ns) < 0.7, SRC_ORGANIC, SRC_DIRECT))
    camp = np.where(k == 0, people.campaign[pi], -1)
    later = k > 0
    if people.customer:
        mail = later & (k > k_id[pi]) & people.subscriber[pi] & (rng.random(ns) < 0.24)
        ew = cat.EMAIL_VISIT_WEIGHTS / cat.EMAIL_VISIT_WEIGHTS.sum()
        src = np.where(mail, SRC_EMAIL, src)
        camp = np.where(mail, np.array(cat.EMAIL_CAMPAIGNS)[rng.choice(len(ew), ns, p=ew)], camp)
        retarget = later & ~mail & (rng.random(ns) < 0.02)
    else:
        retarget = later & (rng.random(ns) < 0.03)
    src = np.where(retarget, SRC_AD, src)
    retarget_camp = np.where(rng.random(ns) < 0.5, cat.AD_CAMPAIGNS[3], cat.AD_CAMPAIGNS[0])
    camp = np.where(retarget, retarget_camp, camp)

    # What happens in the visit.
    sess_fav = people.fav[pi]
    mobile = people.device[pi] == 0
    p_cart = 0.08 if people.customer else 0.04
    cart = conv | (rng.random(ns) < p_cart)
    checkout = conv | (cart & (rng.random(ns) < (0.30 if people.customer else 0.12)))
    friction = checkout & (rng.random(ns) < np.where(mobile, 0.17, 0.09))
    bounce = ~cart & (rng.random(ns) < 0.45)
    browse = np.where(bounce, 0, rng.geometric(0.4, ns))
    n_add = np.where(cart, 1 + rng.poisson(0.45, ns), 0)

    # Landing page of each visit.
    landing_kind = np.full(ns, 0)  # 0 home, 1 category, 2 product
    u = rng.random(ns)
    landing_kind = np.where(src == SRC_ORGANIC, np.where(u < 0.35, 0, np.where(u < 0.6, 1, 2)), landing_kind)
    landing_kind = np.where(np.isin(src, [SRC_SOCIAL, SRC_REFERRAL]), 2, landing_kind)
    camp_land = np.array([{"home": 0, "category": 1, "product": 2}[c.landing] for c in cat.CAMPAIGNS])
    landing_kind = np.where(camp >= 0, camp_land[np.maximum(camp, 0)], landing_kind)
    land_prod = _pick_products(rng, sess_fav)
    land_arg = np.where(landing_kind == 0, P.HOME, np.where(landing_kind == 1, P.CAT0 + sess_fav, land_prod))
    land_step = np.where(landing_kind == 2, ST_PRODUCT, ST_PAGE)

    # Steps: (session, phase, sub, step kind, arg), sorted into visit order.
    sess_ids = np.arange(ns)
    blocks = [(sess_ids, np.zeros(ns), np.zeros(ns), land_step, land_arg)]
    bs = np.repeat(sess_ids, browse)
    nb = len(bs)
    if nb:
        sub = np.arange(nb) - np.repeat(np.cumsum(browse) - browse, browse)
        u = rng.random(nb)
        prod = _pick_products(rng, sess_fav[bs])
        q = rng.integers(0, len(cat.SEARCHES), nb)
        kind_b = np.where(u < 0.55, ST_PRODUCT, ST_PAGE)
        arg_b = np.where(u < 0.55, prod, np.where(u < 0.85, P.CAT0 + np.where(rng.random(nb) < 0.6, sess_fav[bs], rng.integers(0, len(cat.CATEGORIES), nb)), P.SEARCH0 + q))
        blocks.append((bs, np.ones(nb), sub, kind_b, arg_b))
    cs = np.repeat(sess_ids, n_add)
    nc = len(cs)
    added = _pick_products(rng, sess_fav[cs])
    csub = np.arange(nc) - np.repeat(np.cumsum(n_add) - n_add, n_add)
    blocks.append((cs, np.full(nc, 2), 2 * csub, np.full(nc, ST_PRODUCT), added))
    blocks.append((cs, np.full(nc, 2), 2 * csub + 1, np.full(nc, ST_ADD), added))
    carts = sess_ids[cart]
    blocks.append((carts, np.full(len(carts), 3), np.zeros(len(carts)), np.full(len(carts), ST_PAGE), np.full(len(carts), P.CART)))
    subscr = people.subscriber[pi]
    ids = sess_ids[id_at_checkout]
    blocks.append((ids, np.full(len(ids), 4), np.zeros(len(ids)), np.where(subscr[ids], ST_IDENTIFY_NL, ST_IDENTIFY), np.full(len(ids), -1)))
    chk = sess_ids[checkout]
    blocks.append((chk, np.full(len(chk), 5), np.zeros(len(chk)), np.full(len(chk), ST_CHECKOUT), np.full(len(chk), -1)))
    fr_s = sess_ids[friction]
    blocks.append((fr_s, np.full(len(fr_s), 5), np.ones(len(fr_s)), np.full(len(fr_s), ST_RETRY), np.full(len(fr_s), -1)))
    os_ = sess_ids[conv]
    blocks.append((os_, np.full(len(os_), 6), np.zeros(len(os_)), np.full(len(os_), ST_ORDER), np.full(len(os_), -1)))
    ends = sess_ids[id_at_end]
    blocks.append((ends, np.full(len(ends), 7), np.zeros(len(ends)), np.where(subscr[ends], ST_SIGNUP_NL, ST_SIGNUP), np.full(len(ends), -1)))
    s_sess, s_phase, s_sub, s_kind, s_arg = (np.concatenate([b[i] for b in blocks]) for i in range(5))
    o = np.lexsort((s_sub, s_phase, s_sess))
    s_sess, s_kind, s_arg = s_sess[o], s_kind[o].astype(np.int64), s_arg[o].astype(np.int64)
    dwell = DWELL_MIN[s_kind] + rng.exponential(DWELL_MEAN[s_kind])
    csum = np.cumsum(dwell)
    first_step = np.flatnonzero(np.r_[True, s_sess[1:] != s_sess[:-1]])
    step_counts = np.diff(np.r_[first_step, len(s_sess)])
    before = csum - dwell  # time used by earlier steps (global), minus the session's own offset:
    offset = before - np.repeat(before[first_step], step_counts)
    s_time = t[s_sess] + offset
    landing_step = np.zeros(len(s_sess), dtype=bool)
    landing_step[first_step] = True

    # Expand steps into events.
    ev_counts = np.array([len(x) for x in STEP_EVENTS])[s_kind]
    e_step = np.repeat(np.arange(len(s_sess)), ev_counts)
    e_sub = np.arange(len(e_step)) - np.repeat(np.cumsum(ev_counts) - ev_counts, ev_counts)
    table_kind = np.full((len(STEP_EVENTS), 3), -1)
    table_code = np.full((len(STEP_EVENTS), 3), -1)
    table_off = np.zeros((len(STEP_EVENTS), 3))
    for i, evs in enumerate(STEP_EVENTS):
        for j, (kd, code, off) in enumerate(evs):
            table_kind[i, j], table_code[i, j], table_off[i, j] = kd, (-3 if code is None else code), off
    sk = s_kind[e_step]
    e_kind = table_kind[sk, e_sub]
    code = table_code[sk, e_sub]
    sa = s_arg[e_step]
    e_arg = np.where(code == -3, sa, np.where(code == -2, P.PROD0 + sa, code))
    e_ts = s_time[e_step] + table_off[sk, e_sub]
    e_sess = s_sess[e_step]
    is_landing = landing_step[e_step] & (e_sub == 0)
    e_camp = np.where(is_landing, camp[e_sess], -1)
    ref_of_src = np.array([0, -1, 1, 3, -1, -1])
    ref_of_camp = np.array([0, 0, 1, -1, -1, -1, -1])
    e_ref = np.where(is_landing, np.where(camp[e_sess] >= 0, ref_of_camp[np.maximum(camp[e_sess], 0)], ref_of_src[src[e_sess]]), -1)
    camp_chan = np.array([cat.CH[c.channel] for c in cat.CAMPAIGNS])
    e_chan = np.where(e_camp >= 0, camp_chan[np.maximum(e_camp, 0)], cat.CH["web"])
    # Cart value on Checkout Started.
    add_mask = s_kind == ST_ADD
    cart_value = np.bincount(s_sess[add_mask], weights=prices[s_arg[add_mask]], minlength=ns)
    e_val = np.where(e_kind == fr.K_CHECKOUT_STARTED, np.round(cart_value[e_sess], 2), np.nan)
    e_pg = people.pg[pi[e_sess]]
    not_order = e_kind != fr.K_ORDER_COMPLETED
    buf.add(e_ts[not_order], e_pg[not_order], e_kind[not_order], arg=e_arg[not_order], camp=e_camp[not_order],
            utm=(e_camp >= 0)[not_order], ref=e_ref[not_order], chan=e_chan[not_order], val=e_val[not_order])

    # Campaign touches just before a campaign visit: the impression and click, or the opened and clicked e-mail.
    ad = sess_ids[(camp >= 0) & (camp_chan[np.maximum(camp, 0)] == cat.CH["ads"])]
    buf.add(t[ad] - 2.0, people.pg[pi[ad]], fr.K_AD_CLICKED, camp=camp[ad], chan=cat.CH["ads"])
    buf.add(t[ad] - 60.0 - rng.exponential(6 * 3600.0, len(ad)), people.pg[pi[ad]], fr.K_AD_IMPRESSION, camp=camp[ad],
            chan=cat.CH["ads"])
    em = sess_ids[src == SRC_EMAIL]
    buf.add(t[em] - 1.0, people.pg[pi[em]], fr.K_EMAIL_CLICKED, camp=camp[em], chan=cat.CH["email"], web=False)
    buf.add(t[em] - 30.0 - rng.exponential(3 * 3600.0, len(em)), people.pg[pi[em]], fr.K_EMAIL_OPENED, camp=camp[em],
            chan=cat.CH["email"], web=False)

    # Identify time per person, and the orders.
    identified_at = np.full(n_people, np.inf)
    id_ev = e_kind == fr.K_IDENTIFY
    identified_at[pi[e_sess[id_ev]]] = e_ts[id_ev]
    oi = e_kind == fr.K_ORDER_COMPLETED
    o_sess = e_sess[oi]
    add_sess = s_sess[add_mask]
    add_arg = s_arg[add_mask]
    bounds = np.searchsorted(add_sess, o_sess), np.searchsorted(add_sess, o_sess, side="right")
    items = [add_arg[a:b].tolist() for a, b in zip(*bounds, strict=True)]
    orders = Orders(pg=e_pg[oi], local=pi[o_sess], ts=e_ts[oi], friction=friction[o_sess], items=items)
    return VisitResult(orders=orders, identified_at=identified_at, sessions=ns)

