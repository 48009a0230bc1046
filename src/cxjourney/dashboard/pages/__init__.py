"""One context builder per page: a pure function of (query context, filters, language) that calls
registered queries through ``run_query`` and returns a JSON-serialisable dict. The HTML template renders
it and the page's JSON twin returns it unchanged."""

from __future__ import annotations

# page name -> roles allowed to open it
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "overview": ("admin", "analyst"),
    "journey": ("admin", "analyst"),
    "funnels": ("admin", "analyst"),
    "paths": ("admin", "analyst"),
    "retention": ("admin", "analyst"),
    "surveys": ("admin", "analyst"),
    "value": ("admin", "analyst"),
    "customers": ("admin", "analyst", "agent"),
    "settings": ("admin",),
}
