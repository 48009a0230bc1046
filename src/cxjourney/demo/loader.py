"""Bulk loading of the generated shop into the store through DuckDB, from Arrow.

Chunks of compact event rows are staged as Parquet files (memory stays bounded by one chunk). One SQL
statement then sorts everything into arrival order (timestamp, then person and position: a total order,
so ``seq`` is the same on every run), turns codes into text and JSON, and inserts into ``events``.
``persons``, ``identities`` and ``ad_costs`` are derived from what was inserted.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cxjourney.demo import catalog as cat
from cxjourney.demo import frame as fr

PEOPLE_SCHEMA = pa.schema([
    ("pg", pa.int64()), ("person_id", pa.string()), ("user_id", pa.string()), ("anonymous_id", pa.string()),
    ("email", pa.string()), ("traits", pa.string()), ("locale", pa.string()), ("device", pa.string()),
])
_BOUNDED = {"memory_limit": "'1GB'", "preserve_insertion_order": "false"}
CLEARED_TABLES = ("events", "persons", "identities", "responses", "ad_costs", "comment_analysis", "customer_scores")


def _lookup_tables(products: cat.Products) -> dict[str, pa.Table]:
    pages = cat.Pages.rows(products)
    return {
        "pages": pa.table({"code": [p[0] for p in pages], "path": [p[1] for p in pages], "url": [p[2] for p in pages],
                           "name": [p[3] for p in pages]}),
        "products": pa.table({"idx": list(range(len(products.sku))), "sku": products.sku, "name": products.name,
                              "category": [cat.CATEGORIES[int(c)][0] for c in products.category],
                              "price": products.price.tolist()}),
        "camps": pa.table({"idx": list(range(len(cat.CAMPAIGNS))), "name": [c.name for c in cat.CAMPAIGNS],
                           "channel": [c.channel for c in cat.CAMPAIGNS], "source": [c.source for c in cat.CAMPAIGNS],
                           "medium": [c.medium for c in cat.CAMPAIGNS]}),
        "kinds": pa.table({"code": list(range(len(fr.KINDS))), "type": [k[0] for k in fr.KINDS], "event": [k[1] for k in fr.KINDS]}),
        "refs": pa.table({"idx": list(range(len(cat.REFERRERS))), "url": cat.REFERRERS}),
        "chans": pa.table({"idx": list(range(len(cat.CHANNELS))), "name": cat.CHANNELS}),
    }


class Loader:
    def __init__(self, store: Any, *, start: datetime, seed: int, products: cat.Products, days: int = 0):
        self.store = store
        self.con = store.con
        self.start = start
        self.seed = seed
        self.products = products
        self.dir = Path(tempfile.mkdtemp(prefix="cxj-demo-"))
        self.n_chunks = 0
        self.impressions = np.zeros((len(cat.CAMPAIGNS), days), dtype=np.int64)  # unclicked, per campaign and day

    def clear(self) -> None:
        for t in CLEARED_TABLES:
            self.con.execute(f"DELETE FROM {t}")

    def add_chunk(self, events: pa.Table, people: pa.Table) -> None:
        pq.write_table(events, self.dir / f"events-{self.n_chunks:05d}.parquet", compression="zstd")
        pq.write_table(people, self.dir / f"people-{self.n_chunks:05d}.parquet", compression="zstd")
        self.n_chunks += 1

    def add_responses(self, cols: dict[str, list[Any]]) -> None:
        if not cols["response_id"]:
            return
        ts = np.round(np.asarray(cols["ts"]) * 1e6).astype(np.int64)
        tbl = pa.table({**{k: v for k, v in cols.items() if k != "ts"}, "us": ts})
        self.con.register("_demo_responses", tbl)
        try:
            self.con.execute(
                "INSERT INTO responses SELECT response_id, question_id, survey_id, kind, score, answer, comment, person_id, "
                "touchpoint, journey, stage, channel, language, ts, ts, 'demo' FROM ("
                f"SELECT *, TIMESTAMP '{self.start:%Y-%m-%d %H:%M:%S}' + to_microseconds(us) AS ts FROM _demo_responses)"
            )
        finally:
            self.con.unregister("_demo_responses")

    def finish(self, period_end: datetime) -> dict[str, Any]:
        con = self.con
        for name, tbl in _lookup_tables(self.products).items():
            con.register(f"_demo_{name}", tbl)
        try:
            ev_glob = str(self.dir / "events-*.parquet").replace("'", "''")
            pp_glob = str(self.dir / "people-*.parquet").replace("'", "''")
            con.execute(f"CREATE OR REPLACE TEMP VIEW _demo_people AS SELECT * FROM read_parquet('{pp_glob}')")
            bounded = _BOUNDED if self.store.path != ":memory:" else {}  # an in-memory store must keep its memory
            saved = {k: con.execute(f"SELECT current_setting('{k}')").fetchall()[0][0] for k in bounded}
            con.execute("BEGIN TRANSACTION")
            try:
                # Bounded memory: DuckDB spills the big sort to disk instead of holding it all.
                for k, v in bounded.items():
                    con.execute(f"SET {k} = {v}")
                try:
                    con.execute(_events_sql(ev_glob, self.start, self.seed))
                finally:
                    for k, v in saved.items():
                        con.execute(f"SET {k} = '{v}'" if isinstance(v, str) else f"SET {k} = {v}")
                end = f"TIMESTAMP '{period_end:%Y-%m-%d %H:%M:%S}'"
                con.execute(
                    "INSERT INTO persons SELECT p.person_id, p.email, p.traits::JSON, e.first_seen, e.last_seen, "
                    f"{end} FROM _demo_people p JOIN (SELECT person_id, min(timestamp) AS first_seen, "
                    "max(timestamp) AS last_seen FROM events GROUP BY person_id) e USING (person_id) ORDER BY p.pg"
                )
                con.execute(
                    "INSERT INTO identities SELECT id, person_id FROM ("
                    "SELECT user_id AS id, person_id, pg, 0 AS k FROM _demo_people WHERE user_id IS NOT NULL "
                    "UNION ALL SELECT anonymous_id, person_id, pg, 1 FROM _demo_people) "
                    "WHERE person_id IN (SELECT person_id FROM persons) ORDER BY pg, k"
                )
                # The persons' spans above cover every event (see cxjourney.ingest.persons.apply_spans).
                con.execute("INSERT OR REPLACE INTO meta SELECT 'persons_span_seq', coalesce(max(seq), 0)::VARCHAR FROM events")
                self._ad_costs()
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        finally:
            for name in _lookup_tables(self.products):
                con.unregister(f"_demo_{name}")
            con.execute("DROP VIEW IF EXISTS _demo_people")
            self.cleanup()
        return self.counts()

    def _ad_costs(self) -> None:
        rows = self.con.execute(
            "SELECT timestamp::DATE AS d, campaign, "
            "count(*) FILTER (WHERE event IN ('Ad Impression', 'Email Opened')) AS imp, "
            "count(*) FILTER (WHERE event IN ('Ad Clicked', 'Email Clicked')) AS clk "
            "FROM events WHERE event IN ('Ad Impression', 'Ad Clicked', 'Email Opened', 'Email Clicked') "
            "GROUP BY ALL ORDER BY d, campaign"
        ).fetchall()
        # Add the unclicked impressions (counted, not written as events); days with only those get a row too.
        by_name = {c.name: c for c in cat.CAMPAIGNS}
        cells = {(d, name): [imp, clk] for d, name, imp, clk in rows}
        for c, day in zip(*np.nonzero(self.impressions), strict=True):
            key = ((self.start + timedelta(days=int(day))).date(), cat.CAMPAIGNS[int(c)].name)
            cells.setdefault(key, [0, 0])[0] += int(self.impressions[c, day])
        rows = [(d, name, imp, clk) for (d, name), (imp, clk) in sorted(cells.items())]
        if not rows:
            return
        rng = np.random.default_rng([self.seed, 99])
        noise = rng.lognormal(0.0, 0.15, len(rows))
        out: dict[str, list[Any]] = {"date": [], "campaign": [], "channel": [], "cost": [], "impressions": [], "clicks": []}
        for (d, name, imp, clk), z in zip(rows, noise, strict=True):
            c = by_name[name]
            if c.channel == "email":
                cost = imp * 5 * c.cpm / 1000.0  # about five sends per open
            elif c.cpc > 0:
                cost = clk * c.cpc * z
            else:
                cost = imp * c.cpm / 1000.0 * z
            for k, v in zip(out, (d, name, c.channel, round(float(cost), 2), int(imp), int(clk)), strict=True):
                out[k].append(v)
        self.con.register("_demo_costs", pa.table(out))
        try:
            self.con.execute("INSERT INTO ad_costs SELECT date, campaign, channel, cost, impressions, clicks, 'PLN', 'demo' FROM _demo_costs")
        finally:
            self.con.unregister("_demo_costs")

    def counts(self) -> dict[str, Any]:
        q = {
            "events": "SELECT count(*) FROM events",
            "persons": "SELECT count(*) FROM persons",
            "customers": "SELECT count(*) FROM persons WHERE email IS NOT NULL",
            "identities": "SELECT count(*) FROM identities",
            "sessions_with_orders": "SELECT count(DISTINCT person_id) FROM orders",
            "orders": "SELECT count(*) FROM orders",
            "tickets": "SELECT count(*) FROM tickets WHERE event = 'Ticket Created'",
            "responses": "SELECT count(DISTINCT response_id) FROM responses",
            "comments": "SELECT count(*) FROM responses WHERE kind = 'text'",
            "ad_cost_rows": "SELECT count(*) FROM ad_costs",
        }
        out: dict[str, Any] = {k: int(self.con.execute(v).fetchall()[0][0]) for k, v in q.items()}
        out["buyers"] = out.pop("sessions_with_orders")
        out["revenue"] = float(self.con.execute("SELECT coalesce(round(sum(revenue), 2), 0) FROM orders").fetchall()[0][0])
        return out

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _events_sql(glob: str, start: datetime, seed: int) -> str:
    base = f"TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}'"
    url = ("pg_.url || CASE WHEN s.utm THEN (CASE WHEN contains(pg_.url, '?') THEN '&' ELSE '?' END) || 'utm_source=' || c.source "
           "|| '&utm_medium=' || c.medium || '&utm_campaign=' || c.name ELSE '' END")
    return f"""
    INSERT INTO events
    WITH s AS (
        SELECT *, row_number() OVER (ORDER BY ts, pg, li) AS rn FROM read_parquet('{glob}')
    ), j AS (
        SELECT s.rn, s.kind, s.ts, s.ident, s.web, s.revenue, s.val, s.props, s.utm,
               p.person_id, p.user_id, p.anonymous_id, p.traits, p.locale, p.device,
               k.type, k.event, pg_.path, pg_.name AS page_name,
               CASE WHEN s.kind = 0 THEN {url} END AS url,
               pr.sku, pr.name AS product_name, pr.category, pr.price,
               c.name AS campaign, c.source AS c_source, c.medium AS c_medium, r.url AS referrer, ch.name AS channel,
               md5('{int(seed)}:' || s.rn::VARCHAR) AS h
        FROM s
        JOIN _demo_people p ON p.pg = s.pg
        JOIN _demo_kinds k ON k.code = s.kind
        JOIN _demo_chans ch ON ch.idx = s.chan
        LEFT JOIN _demo_pages pg_ ON s.kind = 0 AND pg_.code = s.arg
        LEFT JOIN _demo_products pr ON s.kind IN (1, 2) AND pr.idx = s.arg
        LEFT JOIN _demo_camps c ON c.idx = s.camp
        LEFT JOIN _demo_refs r ON r.idx = s.ref
    )
    SELECT rn AS seq,
           substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12),
           type, event, CASE WHEN kind = 0 THEN page_name END,
           CASE WHEN ident THEN user_id END,
           CASE WHEN web OR NOT ident THEN anonymous_id END,
           person_id,
           {base} + to_microseconds(ts), {base} + to_microseconds(ts),
           url, path, referrer, channel, campaign,
           CASE WHEN kind = 4 THEN revenue END,
           CASE
             WHEN props IS NOT NULL THEN props::JSON
             WHEN kind = 0 THEN json_object('path', path, 'url', url, 'referrer', referrer, 'title', page_name)
             WHEN kind = 1 THEN json_object('product_id', sku, 'sku', sku, 'name', product_name, 'category', category,
                                            'price', price, 'currency', 'PLN')
             WHEN kind = 2 THEN json_object('product_id', sku, 'sku', sku, 'name', product_name, 'category', category,
                                            'price', price, 'quantity', 1, 'currency', 'PLN')
             WHEN kind = 3 THEN json_object('value', val, 'currency', 'PLN')
             WHEN kind = 5 THEN json_object('traits', traits::JSON)
             WHEN kind = 6 THEN json_object('list', 'newsletter')
             WHEN campaign IS NOT NULL THEN json_object('campaign', campaign)
             ELSE '{{}}'::JSON
           END,
           CASE WHEN campaign IS NOT NULL
                THEN json_object('locale', locale, 'device', json_object('type', device),
                                 'campaign', json_object('name', campaign, 'source', c_source, 'medium', c_medium))
                ELSE json_object('locale', locale, 'device', json_object('type', device)) END,
           'demo'
    FROM j
    """
