"""The Python API examples in docs/surveys.md and docs/metrics-scores.md run as written (on a demo-like workspace)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _python_api_block(doc: str) -> str:
    text = (DOCS / doc).read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, f"no Python example in {doc}"
    return m.group(1)


@pytest.mark.parametrize("doc", ["surveys.md", "metrics-scores.md"])
def test_python_api_example_runs(doc: str, workspace: Path) -> None:
    from datetime import datetime

    from cxjourney.config import load_settings
    from cxjourney.ingest.responses import store_responses
    from cxjourney.ingest.writer import EventWriter
    from cxjourney.storage import connect

    with connect(load_settings(workspace)) as store:
        rows = [{"response_id": f"r{i}", "question_id": "nps", "survey_id": "relationship-nps", "kind": "nps", "score": float(i % 11),
                 "comment": None, "user_id": f"u{i}", "touchpoint": "nps_survey", "journey": None, "stage": None, "channel": "email",
                 "language": "en", "timestamp": datetime(2026, 1, 1 + i % 28)} for i in range(40)]
        store_responses(store, EventWriter(store), rows, received_at=datetime(2026, 2, 1), source="test")
    code = _python_api_block(doc).replace('"my-workspace"', repr(str(workspace)))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/{doc}", "exec"), {})  # noqa: S102 - the documented example itself
    assert out.getvalue().strip(), f"the example in {doc} printed nothing"
