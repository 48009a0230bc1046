"""Journey analytics: sessions, funnels, paths, retention and churn, stage KPIs and the journey score.

Every measure is an Ibis expression (it runs on DuckDB and on Spark); the registered queries in
``queries`` and ``journey_queries`` execute them. Definitions and formulas: docs/analytics.md.
"""

from cxjourney.analytics.engines import IbisStore, copy_to_spark, spark_session, spark_store
from cxjourney.analytics.funnels import funnel_people
from cxjourney.analytics.paths import paths_from, transitions, variants
from cxjourney.analytics.retention import churn_by_period, cohort_counts
from cxjourney.analytics.sessions import session_measures, sessionize

__all__ = [
    "IbisStore", "churn_by_period", "cohort_counts", "copy_to_spark", "funnel_people", "paths_from",
    "session_measures", "sessionize", "spark_session", "spark_store", "transitions", "variants",
]
