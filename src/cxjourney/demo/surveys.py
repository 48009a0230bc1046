"""Surveys of the demo shop: who is asked, who answers, and scores that follow the experience.

- ``checkout-csat`` (CSAT 1-5) on the order confirmation page for half of the orders; a failed first
  payment lowers it.
- ``delivery-csat`` (CSAT 1-5) by e-mail the morning after delivery (orders not asked at checkout);
  every day of delay and a damaged parcel lower it.
- ``support-ces`` (CES 1-7, agreement with "the company made it easy", so 7 = easiest) by e-mail after a
  ticket is resolved; long resolution and re-opened tickets lower it. Its comment ("what made it hard?")
  is asked only at 4 or below, as the survey file says.
- ``relationship-nps`` (NPS 0-10) by e-mail about a month after the first order (or sign-up, for those who
  never ordered) and then every ~3 months, skipped
  when the person saw another survey in the previous 30 days (fatigue); late parcels, tickets and payment
  trouble lower it, repeat orders raise it. In the last 30 days the ``loyal`` segment drops (a loyalty
  programme change their comments complain about), so alerts have a real drop to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from cxjourney.demo import catalog as cat
from cxjourney.demo import frame as fr
from cxjourney.demo.aftercare import SUBJECT_KEYS, Experience
from cxjourney.demo.comments import BAD, GOOD, MIXED, CommentWriter, phone_number
from cxjourney.demo.people import DAY, People

JOURNEY = "online-store"
FATIGUE_DAYS = 30.0
MEMORY_DAYS = 120.0  # how long a bad experience weighs on the relationship NPS
# survey id -> (touchpoint, stage, channel, question id, kind)
SURVEYS = {
    "checkout-csat": ("order", "purchase", "web", "csat", "csat"),
    "delivery-csat": ("delivery", "retention", "email", "csat", "csat"),
    "support-ces": ("support", "retention", "email", "ces", "ces"),
    "relationship-nps": ("nps_survey", "advocacy", "email", "nps", "nps"),
}
_CHECKOUT_OTHER = [("checkout", "costs"), ("site", "bad")]
_NPS_GOOD = [("shop", "good"), ("delivery", "ok"), ("product", "good")]
_NPS_BAD = [("price", "bad"), ("range", "bad"), ("site", "bad"), ("product", "bad")]
_KEY = 1e9  # person index * _KEY + seconds: one sortable number per (person, time)


@dataclass
class Responses:
    """Rows for the ``responses`` table (one per answered question)."""

    cols: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in (
        "response_id", "question_id", "survey_id", "kind", "score", "answer", "comment", "person_id", "touchpoint",
        "journey", "stage", "channel", "language", "ts")})

    def add(self, rid: str, qid: str, survey: str, kind: str, score: float | None, comment: str | None,
            person: str, lang: str, ts: float, answer: str | None = None) -> None:
        tp, stage, channel, _, _ = SURVEYS[survey]
        values = (rid, qid, survey, kind, score, answer, comment, person, tp, JOURNEY, stage, channel, lang, ts)
        for k, v in zip(self.cols, values, strict=True):
            self.cols[k].append(v)


@dataclass
class Invites:
    survey: str
    pg: np.ndarray
    local: np.ndarray
    shown: np.ndarray
    row: np.ndarray  # order row / ticket row / -1


def _count_before(keys: np.ndarray, pg: np.ndarray, t: np.ndarray, window: float = np.inf) -> np.ndarray:
    """Per (person, moment): how many of the person's keys fall in (t - window, t]."""
    lo = np.maximum(t - window, -1.0)
    return np.searchsorted(keys, pg * _KEY + t, side="right") - np.searchsorted(keys, pg * _KEY + lo, side="right")


def run_surveys(rng: np.random.Generator, people: People, exp: Experience, identified_at: np.ndarray,
                buf: fr.EventBuffer, out: Responses, writer: CommentWriter, emails: list[str], *,
                period: float, response_no: int, user_ids: list[str]) -> int:
    """Generate survey events and response rows; returns the next free response number."""
    n = len(exp.ts)
    ask_checkout = rng.random(n) < 0.4
    inv = [Invites("checkout-csat", exp.pg[ask_checkout], exp.local[ask_checkout], exp.ts[ask_checkout] + 3.0, np.flatnonzero(ask_checkout))]
    d = np.flatnonzero(~ask_checkout & np.isfinite(exp.delivered_at) & (rng.random(n) < 0.85))
    inv.append(Invites("delivery-csat", exp.pg[d], exp.local[d], (np.floor(exp.delivered_at[d] / DAY) + 1) * DAY + (8 + 4 * rng.random(len(d))) * 3600.0, d))
    tk = np.flatnonzero(np.isfinite(exp.t_resolved) & (rng.random(len(exp.t_pg)) < 0.9))
    inv.append(Invites("support-ces", exp.t_pg[tk], exp.local[exp.t_order[tk]], exp.t_resolved[tk] + 600.0, tk))

    # Relationship NPS waves, with the fatigue cap against the transactional surveys above.
    ident = np.flatnonzero(np.isfinite(identified_at))
    waves = int(period // (75 * DAY)) + 2
    gaps = np.concatenate([rng.uniform(35, 60, (len(ident), 1)), rng.uniform(75, 105, (len(ident), waves - 1))], axis=1) * DAY
    # The first wave comes a few weeks after the first order (after sign-up for those who never ordered).
    first_order = np.full(len(people), np.inf)
    np.minimum.at(first_order, exp.local, exp.ts)
    anchor = np.where(np.isfinite(first_order), first_order, identified_at)
    when = anchor[ident][:, None] + np.cumsum(gaps, axis=1)
    who = np.repeat(ident, waves)
    when = when.ravel()
    ok = when < period
    who, when = who[ok], when[ok]
    shown_keys = np.sort(np.concatenate([people.pg[i.local] * _KEY + i.shown for i in inv]))
    cand = people.pg[who] * _KEY + when
    pos = np.searchsorted(shown_keys, cand, side="right")
    fatigued = (pos > 0) & (shown_keys[np.maximum(pos - 1, 0)] > cand - FATIGUE_DAYS * DAY)
    inv.append(Invites("relationship-nps", people.pg[who[~fatigued]], who[~fatigued], when[~fatigued], np.full(int((~fatigued).sum()), -1)))

    # Experience before each moment, per person (for NPS).
    late = (exp.delay >= 2) & (exp.delivered_at < np.inf)
    late_rows = np.flatnonzero(late)
    late_order = np.argsort(exp.pg[late_rows] * _KEY + exp.delivered_at[late_rows], kind="stable")
    late_rows = late_rows[late_order]
    late_keys = exp.pg[late_rows] * _KEY + exp.delivered_at[late_rows]
    ticket_keys = np.sort(exp.t_pg * _KEY + exp.t_created)
    friction_keys = np.sort(exp.pg[exp.friction] * _KEY + exp.ts[exp.friction])
    order_keys = np.sort(exp.pg * _KEY + exp.ts)

    p_resp: Any
    for iv in inv:
        m = len(iv.shown)
        if m == 0:
            continue
        tp, _, channel, qid, kind = SURVEYS[iv.survey]
        web = channel == "web"
        chan = cat.CH[channel]
        rids = [f"resp-{response_no + i:08d}" for i in range(m)]
        response_no += m
        lang = [cat.LANGUAGE[cat.COUNTRIES[int(c)]] for c in people.country[iv.local]]
        seg = people.segment[iv.local]
        if iv.survey == "checkout-csat":
            fric = exp.friction[iv.row]
            mobile = people.device[iv.local] == 0
            p_resp, p_dismiss = 0.32, 0.48
            raw = 4.45 - 1.7 * fric - 0.25 * mobile + rng.normal(0, 0.7, m)
            score = np.clip(np.round(raw), 1, 5)
            answered = iv.shown + 20 + rng.exponential(40.0, m)
        elif iv.survey == "delivery-csat":
            delay, dmg = exp.delay[iv.row], exp.damaged[iv.row]
            p_resp, p_dismiss = 0.30, 0.0
            raw = 4.65 - 0.85 * np.minimum(delay, 4) - 2.3 * dmg + rng.normal(0, 0.6, m)
            score = np.clip(np.round(raw), 1, 5)
            answered = iv.shown + 300 + rng.exponential(8 * 3600.0, m)
        elif iv.survey == "support-ces":
            hours, reo, subj = exp.t_hours[iv.row], exp.t_reopened[iv.row], exp.t_subject[iv.row]
            p_resp, p_dismiss = 0.45, 0.0
            raw = 6.2 - 0.035 * np.minimum(hours, 96) - 1.6 * reo - 0.7 * (subj == 0) + rng.normal(0, 0.9, m)
            score = np.clip(np.round(raw), 1, 7)
            answered = iv.shown + 300 + rng.exponential(6 * 3600.0, m)
        else:
            pgs, t = iv.pg, iv.shown
            # Trouble weighs for about four months; older trouble is forgiven.
            n_late = _count_before(late_keys, pgs, t, MEMORY_DAYS * DAY)
            n_tick = _count_before(ticket_keys, pgs, t, MEMORY_DAYS * DAY)
            n_fric = _count_before(friction_keys, pgs, t, MEMORY_DAYS * DAY)
            n_ord = _count_before(order_keys, pgs, t)
            drop = (seg == 1) & (t >= period - 30 * DAY)
            p_resp = np.where(seg == 2, 0.38, 0.28) * np.where(t > people.leave[iv.local] + 30 * DAY, 0.6, 1.0)
            p_dismiss = 0.0
            raw = (np.array([8.2, 8.6, 9.0])[seg] - 1.3 * n_late - 1.4 * n_tick - 0.7 * n_fric + 0.25 * np.minimum(n_ord, 4)
                   - 0.4 * (n_ord == 0) - 1.5 * drop + rng.normal(0, 1.5, m))
            score = np.clip(np.round(raw), 0, 10)
            answered = iv.shown + 600 + rng.exponential(10 * 3600.0, m)
            last_late = np.searchsorted(late_keys, pgs * _KEY + t, side="right") - 1
        u = rng.random(m)
        responded = (u < p_resp) & (answered < period)
        dismissed = ~responded & (u < p_resp + p_dismiss)
        base: list[dict[str, Any]] = [{"survey_id": iv.survey, "response_id": r, "touchpoint": tp} for r in rids]
        if iv.survey in ("checkout-csat", "delivery-csat"):
            for b, r in zip(base, iv.row.tolist(), strict=True):
                b["order_id"] = exp.order_id[r]
        elif iv.survey == "support-ces":
            for b, r in zip(base, iv.row.tolist(), strict=True):
                b["ticket_id"] = exp.t_id[r]
        buf.add(iv.shown, iv.pg, fr.K_SURVEY_SHOWN, chan=chan, web=web, props=[orjson.dumps(b).decode() for b in base])
        di = np.flatnonzero(dismissed)
        buf.add(iv.shown[di] + 5 + 15 * rng.random(len(di)), iv.pg[di], fr.K_SURVEY_DISMISSED, chan=chan, web=web,
                props=[orjson.dumps(base[i]).decode() for i in di])
        ri = np.flatnonzero(responded)
        buf.add(answered[ri], iv.pg[ri], fr.K_SURVEY_RESPONDED, chan=chan, web=web,
                props=[orjson.dumps({**base[i], "score": int(score[i])}).decode() for i in ri])
        comment_u = rng.random(m)
        on_time_u = rng.random(m)
        for i in ri.tolist():
            s = float(score[i])
            local = int(iv.local[i])
            person = user_ids[local]
            out.add(rids[i], qid, iv.survey, kind, s, None, person, lang[i], float(answered[i]))
            if iv.survey == "delivery-csat" and on_time_u[i] < 0.9:  # the optional "on time?" question
                r = int(iv.row[i])
                choice = "damaged" if exp.damaged[r] else ("late" if exp.delay[r] > 0 else "yes")
                out.add(rids[i], "on_time", iv.survey, "choice", None, None, person, lang[i], float(answered[i]), answer=choice)
            if kind == "nps":
                q = BAD if s <= 6 else (MIXED if s <= 8 else GOOD)
                p_comment = 0.75 if q == BAD else (0.3 if q == MIXED else 0.35)
            elif kind == "ces":  # the comment question is shown only at 4 or below
                q = GOOD if s >= 5 else (MIXED if s == 4 else BAD)
                p_comment = 0.7 if q == BAD else (0.5 if q == MIXED else 0.0)
            else:
                q = BAD if s <= 2 else (MIXED if s == 3 else GOOD)
                p_comment = 0.6 if q == BAD else (0.3 if q == MIXED else 0.35)
            if comment_u[i] >= p_comment:
                continue
            courier, days = "", 0
            if iv.survey == "checkout-csat":
                topic = ("checkout", "ok") if q == GOOD else (("checkout", "friction") if exp.friction[iv.row[i]] else _CHECKOUT_OTHER)
            elif iv.survey == "delivery-csat":
                r = int(iv.row[i])
                courier, days = cat.COURIERS[int(exp.courier[r])][0], int(exp.delay[r])
                if q == GOOD:
                    topic = ("delivery", "ok")
                else:
                    topic = ("delivery", "damaged") if exp.damaged[r] else (("delivery", "late") if exp.delay[r] > 0 else ("shop", "mixed"))
            elif iv.survey == "support-ces":
                subject = SUBJECT_KEYS[int(exp.t_subject[iv.row[i]])]
                topic = ("support", "mixed") if q == MIXED else [("support", "slow"), ("support", subject)]
            else:
                if drop[i] and q != GOOD:
                    topic = ("loyalty", "bad")
                elif q == GOOD:
                    topic = _NPS_GOOD
                elif q == MIXED:
                    topic = ("shop", "mixed")
                elif n_late[i] > 0:
                    r = int(late_rows[last_late[i]])
                    topic, courier, days = ("delivery", "late"), cat.COURIERS[int(exp.courier[r])][0], int(exp.delay[r])
                elif n_tick[i] > 0:
                    topic = ("support", "slow")
                elif n_fric[i] > 0:
                    topic = ("checkout", "friction")
                else:
                    topic = _NPS_BAD + ([("email", "bad")] if people.subscriber[iv.local[i]] else [])
            country = cat.COUNTRIES[int(people.country[local])]
            text = writer.write(topic, q, lang[i], courier=courier or "EuroKurier", days=days,
                                email=emails[local], phone=phone_number(int(people.pg[local]), country))
            # relationship-nps asks detractors "what should we improve?" (comment), the others "what do you like?" (reason)
            text_q = "reason" if kind == "nps" and s >= 7 else "comment"
            out.add(rids[i], text_q, iv.survey, "text", None, text, person, lang[i], float(answered[i]))
        if iv.survey == "relationship-nps":
            promoters = ri[score[ri] >= 9]
            refer = promoters[rng.random(len(promoters)) < 0.25]
            rp = [orjson.dumps({"referral_code": f"REF-{int(iv.pg[i]) + 1:07d}", "method": "link"}).decode() for i in refer]
            buf.add(answered[refer] + 3600.0 + rng.exponential(2 * DAY, len(refer)), iv.pg[refer], fr.K_REFERRAL, props=rp)
    return response_no
