"""Versioned schema. Each migration is a list of SQL statements that takes the store from version N-1 to N.
Append new migrations at the end; never edit one that has shipped. A workspace whose schema version is newer
than :data:`SCHEMA_VERSION` is refused with a message telling the user to upgrade cxjourney."""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # v1: the core tables.
    [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE SEQUENCE IF NOT EXISTS event_seq START 1""",
        # One row per accepted event. Order everywhere is (timestamp, seq): seq is the arrival sequence.
        """CREATE TABLE IF NOT EXISTS events (
            seq BIGINT NOT NULL,
            message_id VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            event VARCHAR,
            name VARCHAR,
            user_id VARCHAR,
            anonymous_id VARCHAR,
            person_id VARCHAR NOT NULL,
            timestamp TIMESTAMP NOT NULL,
            received_at TIMESTAMP NOT NULL,
            url VARCHAR,
            path VARCHAR,
            referrer VARCHAR,
            channel VARCHAR,
            campaign VARCHAR,
            revenue DOUBLE,
            properties JSON,
            context JSON,
            source VARCHAR NOT NULL DEFAULT 'api'
        )""",
        """CREATE TABLE IF NOT EXISTS persons (
            person_id VARCHAR PRIMARY KEY,
            email VARCHAR,
            traits JSON,
            first_seen TIMESTAMP,
            last_seen TIMESTAMP,
            updated_at TIMESTAMP
        )""",
        # Every id ever seen for a person (anonymous ids and user ids) -> the person's canonical id.
        "CREATE TABLE IF NOT EXISTS identities (id VARCHAR PRIMARY KEY, person_id VARCHAR NOT NULL)",
        # One row per answered question of a survey response.
        """CREATE TABLE IF NOT EXISTS responses (
            response_id VARCHAR NOT NULL,
            question_id VARCHAR NOT NULL,
            survey_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            score DOUBLE,
            answer VARCHAR,
            comment VARCHAR,
            person_id VARCHAR,
            touchpoint VARCHAR,
            journey VARCHAR,
            stage VARCHAR,
            channel VARCHAR,
            language VARCHAR,
            timestamp TIMESTAMP NOT NULL,
            received_at TIMESTAMP NOT NULL,
            source VARCHAR NOT NULL DEFAULT 'api',
            PRIMARY KEY (response_id, question_id)
        )""",
        """CREATE TABLE IF NOT EXISTS ad_costs (
            date DATE NOT NULL,
            campaign VARCHAR NOT NULL,
            channel VARCHAR,
            cost DOUBLE NOT NULL,
            impressions BIGINT,
            clicks BIGINT,
            currency VARCHAR,
            source VARCHAR NOT NULL DEFAULT 'import'
        )""",
        """CREATE TABLE IF NOT EXISTS api_keys (
            key_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            role VARCHAR,
            key_hash VARCHAR NOT NULL,
            name VARCHAR,
            created_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP
        )""",
        """CREATE TABLE IF NOT EXISTS users (
            username VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL,
            password_hash VARCHAR NOT NULL,
            language VARCHAR,
            created_at TIMESTAMP NOT NULL
        )""",
        # Per-customer model outputs (CLV, probability alive, churn risk), refreshed on demand.
        """CREATE TABLE IF NOT EXISTS customer_scores (
            person_id VARCHAR NOT NULL,
            computed_at TIMESTAMP NOT NULL,
            model VARCHAR NOT NULL,
            horizon DOUBLE,
            frequency DOUBLE,
            recency DOUBLE,
            T DOUBLE,
            expected_purchases DOUBLE,
            p_alive DOUBLE,
            expected_spend DOUBLE,
            clv DOUBLE,
            churn_risk DOUBLE
        )""",
        # Text analytics of survey comments (sentiment, language, theme, masked text).
        """CREATE TABLE IF NOT EXISTS comment_analysis (
            response_id VARCHAR NOT NULL,
            question_id VARCHAR NOT NULL,
            language VARCHAR,
            sentiment DOUBLE,
            label VARCHAR,
            theme VARCHAR,
            masked_comment VARCHAR,
            analyzer VARCHAR,
            analyzed_at TIMESTAMP
        )""",
        # Orders and support tickets are events; these views give them their own shape.
        """CREATE OR REPLACE VIEW orders AS
           SELECT coalesce(json_extract_string(properties, '$.order_id'), message_id) AS order_id,
                  person_id, timestamp, seq, coalesce(revenue, 0.0) AS revenue,
                  json_extract_string(properties, '$.currency') AS currency, channel, campaign, source
           FROM events WHERE type = 'track' AND event = 'Order Completed'""",
        """CREATE OR REPLACE VIEW tickets AS
           SELECT coalesce(json_extract_string(properties, '$.ticket_id'), message_id) AS ticket_id,
                  person_id, timestamp, seq, event,
                  json_extract_string(properties, '$.subject') AS subject,
                  json_extract_string(properties, '$.status') AS status, channel, source
           FROM events WHERE type = 'track' AND event IN ('Ticket Created', 'Ticket Resolved')""",
    ],
    # v2: alerts (score drops, detractors with a negative comment) and their closed-loop follow-up.
    [
        "CREATE SEQUENCE IF NOT EXISTS alert_seq START 1",
        """CREATE TABLE IF NOT EXISTS alerts (
            alert_id BIGINT PRIMARY KEY DEFAULT nextval('alert_seq'),
            kind VARCHAR NOT NULL CHECK (kind IN ('score_drop', 'detractor')),
            dedupe_key VARCHAR NOT NULL UNIQUE,
            created_at TIMESTAMP NOT NULL,
            title VARCHAR NOT NULL,
            details JSON,
            person_id VARCHAR,
            response_id VARCHAR,
            touchpoint VARCHAR,
            status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'contacted', 'resolved', 'dismissed')),
            assignee VARCHAR,
            note VARCHAR,
            updated_at TIMESTAMP NOT NULL,
            contacted_at TIMESTAMP,
            closed_at TIMESTAMP,
            delivered_at TIMESTAMP,
            delivery_error VARCHAR
        )""",
    ],
    # v3: intervals, fit size and flags on every stored customer score (customer value models).
    [
        *(f"ALTER TABLE customer_scores ADD COLUMN IF NOT EXISTS {m}_{side} DOUBLE"
          for m in ("expected_purchases", "p_alive", "expected_spend", "clv", "churn_risk") for side in ("low", "high")),
        "ALTER TABLE customer_scores ADD COLUMN IF NOT EXISTS n BIGINT",
        "ALTER TABLE customer_scores ADD COLUMN IF NOT EXISTS flags VARCHAR",
    ],
    # v4: the persons' activity spans are applied for many commits at once (ingest/persons.py); meta records
    # the highest seq they cover. Until now every commit applied them: all stored events are covered.
    [
        "INSERT OR IGNORE INTO meta SELECT 'persons_span_seq', coalesce(max(seq), 0)::VARCHAR FROM events",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
