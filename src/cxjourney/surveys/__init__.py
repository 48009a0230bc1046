"""Surveys as code: definitions in the workspace's ``surveys/``, hosted page and widget answers, fatigue caps."""

from cxjourney.surveys.loader import (
    SurveyCatalogue,
    cached_catalogue,
    catalogue,
    check_survey,
    check_surveys,
    question_kind_lookup,
    workspace_check,
)
from cxjourney.surveys.model import Question, Survey

__all__ = ["Question", "Survey", "SurveyCatalogue", "cached_catalogue", "catalogue", "check_survey", "check_surveys",
           "question_kind_lookup", "workspace_check"]
