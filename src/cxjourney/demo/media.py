"""Ad impressions that were not clicked and newsletters that were opened but not clicked.

Clicks come from the visits (every campaign visit starts with its impression and click). Here each
campaign gets the extra impressions that bring its click-through rate to the campaign's typical rate.
Those are counted per campaign and day for ``ad_costs`` only, not written as events: an ad platform
reports impressions in aggregate, and a shop's own tracking only sees the ad someone clicked. Subscribers
open some weekly newsletters without clicking (the e-mail platform does report those per person).
Retargeting only reaches people who visited.
"""

from __future__ import annotations

import numpy as np

from cxjourney.demo import catalog as cat
from cxjourney.demo import frame as fr
from cxjourney.demo.people import DAY, People

WEEK = 7 * DAY


def _at_hours(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    day = np.floor(t / DAY)
    return day * DAY + (rng.choice(24, len(t), p=cat.HOUR_WEIGHTS) + rng.random(len(t))) * 3600.0


def ad_impressions(rng: np.random.Generator, people: People, clicks: np.ndarray, counts: np.ndarray, period: float) -> None:
    """``clicks[c]``: ad clicks of campaign c in this chunk (visits already generated); adds the unclicked
    impressions to ``counts[campaign, day]``."""
    span = np.maximum(people.leave - people.arrive, 0.0) + 3 * DAY
    weight = span / span.sum()
    for c in cat.AD_CAMPAIGNS:
        camp = cat.CAMPAIGNS[c]
        expected = clicks[c] * (1.0 / camp.ctr - 1.0)
        n = int(rng.poisson(expected)) if expected > 0 else 0
        if n == 0:
            continue
        who = rng.choice(len(people), n, p=weight)
        if camp.medium == "display":  # retargeting: after the first visit
            t = people.arrive[who] + 3600.0 + (people.leave[who] - people.arrive[who] + 10 * DAY) * rng.random(n)
        else:
            t = people.arrive[who] - 5 * DAY + (people.leave[who] - people.arrive[who] + 5 * DAY) * rng.random(n)
        t = _at_hours(rng, t)
        day = np.floor(t[(t >= 0) & (t < period)] / DAY).astype(np.int64)
        np.add.at(counts[c], day, 1)


def newsletter_opens(rng: np.random.Generator, people: People, identified_at: np.ndarray, period: float,
                     start_dow: int, buf: fr.EventBuffer) -> None:
    """Weekly newsletter (Tuesday 10:00): subscribers open about one in six without clicking."""
    if not people.customer:
        return
    first_tuesday = ((1 - start_dow) % 7) * DAY + 10 * 3600.0
    subs = np.flatnonzero(people.subscriber & np.isfinite(identified_at))
    if len(subs) == 0:
        return
    lo = np.ceil((identified_at[subs] - first_tuesday) / WEEK)
    hi = np.floor((np.minimum(people.leave[subs] + 45 * DAY, period) - first_tuesday) / WEEK)
    sends = np.maximum(hi - lo + 1, 0).astype(np.int64)
    opens = rng.binomial(sends, 0.17)
    who = np.repeat(subs, opens)
    week = np.repeat(lo, opens) + np.floor(rng.random(len(who)) * np.repeat(sends, opens))
    t = first_tuesday + week * WEEK + 60.0 + rng.exponential(5 * 3600.0, len(who))
    buf.add(t, people.pg[who], fr.K_EMAIL_OPENED, camp=cat.EMAIL_CAMPAIGNS[0], chan=cat.CH["email"], web=False)
