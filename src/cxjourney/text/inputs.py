"""Reading comments to score: a CSV file with a ``text`` column (and optionally ``language``), or plain
text with one comment per line (blank lines skipped)."""

from __future__ import annotations

import csv
from pathlib import Path

from cxjourney.errors import ValidationFailed


def read_comments(path: str | Path) -> list[dict[str, str | None]]:
    """``[{"text": ..., "language": ... or None, "line": n}]`` from a CSV (``text`` column) or a text file."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(f"{path}: no such file",
                               errors=[{"file": str(path), "field": "FILE", "message": "no such file"}])
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})",
                               errors=[{"file": str(path), "field": "FILE", "message": "not UTF-8"}]) from exc
    lines = raw.splitlines()
    if not lines:
        return []
    header = next(csv.reader([lines[0]]), [])
    if path.suffix.lower() == ".csv" or "text" in [h.strip().lower() for h in header]:
        reader = csv.DictReader(raw.splitlines())
        fields = {(f or "").strip().lower(): f for f in (reader.fieldnames or [])}
        if "text" not in fields:
            raise ValidationFailed(
                f"{path}: a CSV needs a 'text' column (found: {', '.join(reader.fieldnames or []) or 'none'})",
                errors=[{"file": str(path), "line": 1, "field": "text", "message": "missing column"}])
        tcol, lcol = fields["text"], fields.get("language")
        rows: list[dict[str, str | None]] = []
        for line, row in enumerate(reader, start=2):
            text = row.get(tcol) or ""
            if not text.strip():
                continue
            lang = (row.get(lcol) or "").strip().lower() if lcol else ""
            rows.append({"text": text, "language": lang or None, "line": str(line)})
        return rows
    return [{"text": ln, "language": None, "line": str(i)} for i, ln in enumerate(lines, start=1) if ln.strip()]
