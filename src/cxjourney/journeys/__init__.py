"""Journeys as code: the YAML contract, its validation, metric catalogue and event matching."""

from cxjourney.journeys.catalogue import METRICS, MetricInfo
from cxjourney.journeys.loader import check_journey, check_journeys, load_journeys
from cxjourney.journeys.model import Journey, Matcher, Stage, Text, Touchpoint

__all__ = [
    "METRICS", "Journey", "Matcher", "MetricInfo", "Stage", "Text", "Touchpoint",
    "check_journey", "check_journeys", "load_journeys",
]
