"""Docs are tested: every setting, metric, CLI command and registered query is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))


def test_every_setting_is_documented() -> None:
    from cxjourney.config import Settings

    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [f for f in Settings.model_fields if f"`{f}`" not in text or f"CXJ_{f.upper()}" not in text]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_every_journey_metric_is_defined_in_metrics_doc() -> None:
    from cxjourney.journeys import METRICS

    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    missing = [m for m in METRICS if f"| `{m}` |" not in text]
    assert not missing, f"metrics missing from docs/metrics.md: {missing}"


def _commands() -> list[str]:
    import typer.main

    from cxjourney.cli.main import build

    root = typer.main.get_command(build())
    out: list[str] = []

    def walk(cmd, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for name, sub in getattr(cmd, "commands", {}).items():
            full = f"{prefix} {name}".strip()
            if getattr(sub, "commands", None):
                walk(sub, full)
            else:
                out.append(full)

    walk(root, "")
    return out


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"cxjourney {c}" not in text]
    assert not missing, f"CLI commands missing from docs/cli.md: {missing}"


def test_every_query_is_documented() -> None:
    from cxjourney.query import registry

    text = _all_docs()
    missing = [q for q in registry() if f"`{q}`" not in text]
    assert not missing, f"queries missing from docs/: {missing}"


@pytest.mark.parametrize("doc", ["README.md"])
def test_readme_starts_with_the_two_commands(doc: str) -> None:
    text = (DOCS.parent / doc).read_text(encoding="utf-8")
    head = text[: text.index("## Concepts")]
    assert "make demo" in head and "make test" in head


def _tool(name: str):  # type: ignore[no-untyped-def]
    import importlib.util

    path = DOCS.parent / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_query_reference_is_regenerated_after_query_changes() -> None:
    gen = _tool("gen_query_docs")
    assert gen.target().read_text(encoding="utf-8") == gen.render(), (
        "docs/queries.md is stale: run .venv/bin/python tools/gen_query_docs.py"
    )


def test_every_relative_link_in_the_docs_points_to_a_file_that_exists() -> None:
    import re

    broken = []
    for doc in [DOCS.parent / "README.md", DOCS.parent / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(DOCS.parent)} -> {target}")
    assert not broken, f"broken links: {broken}"
