"""Read endpoints (token with a role). Every number comes from the query layer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cxjourney.api.deps import analyst, query_context, reader
from cxjourney.api.errors import responses
from cxjourney.errors import Forbidden
from cxjourney.query import Result, registry, run_query
from cxjourney.security.keys import Principal

router = APIRouter(prefix="/api/v1", tags=["read"])
ERRS = responses(400, 401, 403, 404, 422)

# Queries an agent (customer service) may run; everything else needs analyst or admin.
AGENT_QUERIES = {"person_history", "customer_360", "store_summary"}


class QueryRequest(BaseModel):
    query: str = Field(description="Registered query name (GET /api/v1/queries lists them).")
    params: dict[str, Any] = Field(default_factory=dict)
    now: datetime | None = Field(default=None, description="Evaluate as of this moment (UTC); default: the server's clock.")


@router.get("/queries", responses=ERRS, summary="List the registered queries and their parameters")
def list_queries(who: Principal = Depends(reader)) -> dict[str, Any]:
    return {
        "ok": True,
        "queries": {name: {"summary": spec.summary, "params": spec.params.model_json_schema()} for name, spec in sorted(registry().items())},
    }


def _check_role(who: Principal, name: str) -> None:
    if who.role == "agent" and name not in AGENT_QUERIES:
        raise Forbidden(f"role 'agent' may not run query {name!r}", errors=[{"field": "query", "value": name, "message": "agents may look up customers only"}])


@router.post("/query", response_model=Result, responses=ERRS, summary="Run any registered query")
def post_query(body: QueryRequest, request: Request, who: Principal = Depends(reader)) -> Result:
    _check_role(who, body.query)
    now = body.now.astimezone(UTC).replace(tzinfo=None) if body.now and body.now.tzinfo else body.now
    return run_query(query_context(request, who, now), body.query, body.params)


@router.get("/query/{name}", response_model=Result, responses=ERRS, summary="Run a query with parameters in the URL")
def get_query(name: str, request: Request, who: Principal = Depends(reader)) -> Result:
    _check_role(who, name)
    params: dict[str, Any] = {}
    for k, v in request.query_params.multi_items():
        if k == "token":
            continue
        if k in params:
            params[k] = (params[k] if isinstance(params[k], list) else [params[k]]) + [v]
        else:
            params[k] = v
    spec = registry().get(name)
    if spec is not None:  # list-typed params given once still arrive as lists
        for fname, f in spec.params.model_fields.items():
            if fname in params and not isinstance(params[fname], list) and "list" in str(f.annotation).lower():
                params[fname] = [x for x in str(params[fname]).split(",") if x]
    return run_query(query_context(request, who), name, params)


@router.get("/persons/{person}/events", response_model=Result, responses=ERRS, summary="One person's stitched history")
def person_events(person: str, request: Request, who: Principal = Depends(reader)) -> Result:
    return run_query(query_context(request, who), "person_history", {"person": person})


@router.get("/summary", response_model=Result, responses=ERRS, summary="What the store holds")
def summary(request: Request, who: Principal = Depends(analyst)) -> Result:
    return run_query(query_context(request, who), "store_summary", {})
