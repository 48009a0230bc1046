"""Alerts and the closed loop: significant score drops and detractors with a negative comment become alerts
(de-duplicated), are delivered to webhooks and e-mail, and detractor cases are followed up (docs/alerts.md)."""

from cxjourney.alerts.check import run_check
from cxjourney.alerts.deliver import deliver_pending
from cxjourney.alerts.repo import STATUSES, TRANSITIONS, get_alert, update_alert

__all__ = ["STATUSES", "TRANSITIONS", "deliver_pending", "get_alert", "run_check", "update_alert"]
