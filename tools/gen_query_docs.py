"""Write docs/queries.md from the query registry (run after adding or changing a query):

    .venv/bin/python tools/gen_query_docs.py

Every surface runs the same named queries, so this one page is the reference for `POST /api/v1/query`,
`GET /api/v1/query/{name}`, the Python API (`run_query`) and the dashboard's data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INTRO = """# Query reference

Every figure cxjourney shows is a *named query*: a name plus validated parameters, run once by
`cxjourney.query.run_query(ctx, name, params)`. The REST API (`POST /api/v1/query` with
`{"query": NAME, "params": {...}}`), the CLI, the dashboard and the Python API all call it, so a number is
computed one way only. Unknown parameters and wrong types are refused with the one error shape
(`field`, `value`, `message` per problem). Definitions and formulas of the metrics are in
[metrics.md](metrics.md), [metrics-scores.md](metrics-scores.md), [models.md](models.md) and the domain pages.

This page is generated from the registry (`python tools/gen_query_docs.py`); a test fails when it is stale.
"""


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " \\| ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    fmt = schema.get("format")
    return f"{schema.get('type', 'any')}{f' ({fmt})' if fmt else ''}"


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if "enum" in target:
            return target
    return schema


def render() -> str:
    from cxjourney.query import registry

    out = [INTRO]
    specs = registry()
    out.append("| query | what it answers |\n|---|---|")
    out.extend(f"| [`{n}`](#{n.replace('_', '_')}) | {s.summary} |" for n, s in sorted(specs.items()))
    out.append("")
    for name, spec in sorted(specs.items()):
        schema = spec.params.model_json_schema()
        defs = schema.get("$defs", {})
        out.append(f"## `{name}`\n\n{spec.summary}\n")
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        if not props:
            out.append("No parameters.\n")
            continue
        out.append("| parameter | type | default | meaning |\n|---|---|---|---|")
        for pname, p in props.items():
            p = _resolve(p, defs)
            if pname in required:
                default = "**required**"
            elif "default" in p:
                default = f"`{json.dumps(p['default'], ensure_ascii=False)}`"
            else:
                default = ""
            desc = (p.get("description") or "").replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{pname}` | {_type(p)} | {default} | {desc} |")
        out.append("")
    return "\n".join(out)


def target() -> Path:
    return Path(__file__).resolve().parents[1] / "docs" / "queries.md"


def main() -> None:
    target().write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
