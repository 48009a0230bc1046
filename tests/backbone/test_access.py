"""Read access needs a token with a role; write keys cannot read; the CLI works while the server holds the
file; and every route answers errors in the one JSON error shape, which OpenAPI documents."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.backbone.conftest import ServerProcess, assert_error_shape, run_cli


def test_read_endpoints_need_a_token_and_write_keys_cannot_read(live_server: Any) -> None:
    from cxjourney.security.keys import create_key

    st = live_server.app.state.store
    analyst = create_key(st, "token", role="analyst")
    agent = create_key(st, "token", role="agent")
    httpx.post(live_server.url + "/v1/track", auth=(live_server.write_key, ""),
               json={"userId": "p1", "event": "E"}).raise_for_status()

    def get(path: str, token: str | None) -> httpx.Response:
        return httpx.get(live_server.url + path, headers={"Authorization": f"Bearer {token}"} if token else {})

    assert get("/api/v1/summary", None).status_code == 401
    assert get("/api/v1/summary", "tk_forged").status_code == 401
    no_read = get("/api/v1/summary", live_server.write_key)
    assert no_read.status_code == 403 and "write key" in no_read.json()["error"]
    assert get("/api/v1/persons/p1/events", live_server.write_key).status_code == 403
    assert get("/api/v1/summary", analyst).status_code == 200
    assert get("/api/v1/summary", live_server.admin_token).status_code == 200
    # an agent looks customers up but does not read the store-wide figures or admin routes
    assert get("/api/v1/persons/p1/events", agent).status_code == 200
    assert get("/api/v1/summary", agent).status_code == 403
    assert get("/api/v1/admin/keys", analyst).status_code == 403
    r = httpx.post(live_server.url + "/api/v1/query", headers={"Authorization": f"Bearer {agent}"},
                   json={"query": "store_summary_not_allowed_for_agents", "params": {}})
    assert r.status_code in (403, 404)


def test_revoked_token_stops_working(live_server: Any) -> None:
    admin = live_server.client(live_server.admin_token)
    secret = admin.post("/api/v1/admin/keys", json={"kind": "token", "role": "analyst", "name": "tmp"}).json()["secret"]
    assert httpx.get(live_server.url + "/api/v1/summary", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    key_id = next(k["key_id"] for k in admin.get("/api/v1/admin/keys").json()["keys"] if k["name"] == "tmp")
    assert admin.post(f"/api/v1/admin/keys/{key_id}/revoke").status_code == 200
    assert httpx.get(live_server.url + "/api/v1/summary", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def _example(schema: dict[str, Any]) -> Any:
    return {"wrong": True}  # never what a route wants: a body that fails validation


def test_every_route_answers_errors_in_the_one_shape_and_documents_them(live_server: Any) -> None:
    spec = httpx.get(live_server.url + "/openapi.json").json()
    assert spec["paths"], "no routes in the OpenAPI document"
    checked = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            where = f"{method.upper()} {path}"
            # 1. OpenAPI documents its errors, and every documented error is the one error shape.
            codes = [c for c in op.get("responses", {}) if c[0] in "45"]
            assert codes, f"{where}: no error response documented"
            for c in codes:
                schema = op["responses"][c]["content"]["application/json"]["schema"]
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                assert set(schema.get("required", [])) >= {"ok", "error", "errors", "status"}, f"{where} {c}: {schema}"
            # 2. A real error from it has exactly the shape: unauthenticated, then (authenticated) a bad body.
            url = live_server.url + path.replace("{", "").replace("}", "")  # path params get their own names
            attempts = [
                httpx.request(method, url, content=b"{not json", headers={"Content-Type": "application/json"}),
                httpx.request(method, url, json=_example({}), headers={"Authorization": f"Bearer {live_server.admin_token}"}),
                httpx.request(method, url + "/no-such-thing"),
            ]
            errors = [r for r in attempts if r.status_code >= 400]
            html_page = "text/html" in op.get("responses", {}).get("200", {}).get("content", {})
            if html_page:  # a page for people (e.g. the hosted survey) answers its errors as a page
                errors = [r for r in errors if not r.headers["content-type"].startswith("text/html")]
            assert errors, f"{where}: no error could be provoked"
            for r in attempts[:2]:
                if r.status_code >= 400:
                    assert str(r.status_code) in codes or r.status_code in (404, 405), f"{where}: {r.status_code} not documented"
            for r in errors:
                assert r.headers["content-type"].startswith("application/json"), f"{where}: {r.text[:200]}"
                assert_error_shape(r.json(), r.status_code)
            checked += 1
    assert checked >= 10
    # unknown paths and wrong methods too
    for r in (httpx.get(live_server.url + "/definitely/not/here"), httpx.delete(live_server.url + "/v1/track")):
        assert_error_shape(r.json(), r.status_code)


def test_keys_cli_creates_write_keys_and_role_tokens_locally(workspace: Any) -> None:
    wk = run_cli("keys", "create", "write", "-w", str(workspace))
    tok = run_cli("keys", "create", "token", "--role", "analyst", "-w", str(workspace))
    assert wk.returncode == 0 and wk.stdout.strip().startswith("wk_"), wk.stderr
    assert tok.returncode == 0 and tok.stdout.strip().startswith("tk_"), tok.stderr
    bad = run_cli("keys", "create", "token", "--role", "boss", "-w", str(workspace))
    assert bad.returncode == 2 and "role" in bad.stderr and "Traceback" not in bad.stderr
    listed = json.loads(run_cli("keys", "list", "--json", "-w", str(workspace)).stdout)["keys"]
    assert {(k["kind"], k["role"]) for k in listed} >= {("write", None), ("token", "analyst")}
    assert wk.stdout.strip() not in json.dumps(listed)  # secrets are never listed


@pytest.mark.slow
def test_cli_reads_and_creates_keys_through_the_running_server(server_process: ServerProcess) -> None:
    ws = str(server_process.workspace)
    httpx.post(server_process.url + "/v1/batch", auth=(server_process.write_key, ""), json={"batch": [
        {"type": "track", "anonymousId": "cli-anon", "event": "Product Viewed", "messageId": "c1", "timestamp": "2026-01-01T00:00:00Z"},
        {"type": "identify", "userId": "cli-user", "anonymousId": "cli-anon", "messageId": "c2", "timestamp": "2026-01-01T00:01:00Z"},
    ]}).raise_for_status()
    ev = run_cli("events", "--person", "cli-anon", "--json", "-w", ws)
    assert ev.returncode == 0, ev.stderr
    body = json.loads(ev.stdout)
    assert [r["message_id"] for r in body["rows"]] == ["c1", "c2"]
    assert body["meta"]["person_id"] == "cli-user"
    summ = run_cli("summary", "--json", "-w", ws)
    assert summ.returncode == 0, summ.stderr
    assert json.loads(summ.stdout)["rows"][0]["events"] == 2
    # keys through the server (the server holds the file): the new token reads at once
    tok = run_cli("keys", "create", "token", "--role", "analyst", "-w", ws)
    assert tok.returncode == 0, tok.stderr
    r = httpx.get(server_process.url + "/api/v1/summary", headers={"Authorization": f"Bearer {tok.stdout.strip()}"})
    assert r.status_code == 200
    missing = run_cli("events", "--person", "nobody", "--json", "-w", ws)
    assert missing.returncode == 2 and "nobody" in missing.stderr and "Traceback" not in missing.stderr
