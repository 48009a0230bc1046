"""Metrics: Ibis expressions for scores and rates, and the statistics that make them honest."""
