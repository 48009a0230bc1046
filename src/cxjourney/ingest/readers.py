"""Read CSV, Parquet and JSON Lines files (optionally gzipped) into rows of strings with line numbers."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from cxjourney.errors import ValidationFailed

CHUNK = 50_000


def file_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for ext, fmt in ((".csv", "csv"), (".tsv", "tsv"), (".parquet", "parquet"), (".pq", "parquet"),
                     (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl")):
        if name.endswith(ext):
            return fmt
    raise ValidationFailed(
        f"{path}: unknown file type (use .csv, .tsv, .parquet or .jsonl, optionally .gz)",
        errors=[{"file": str(path), "field": "FILE", "value": path.name, "message": "unknown file type"}],
    )


def read_chunks(path: Path) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Yield (line number of the chunk's first row, rows). CSV lines count the header as line 1."""
    if not path.exists():
        raise ValidationFailed(f"{path}: no such file", errors=[{"file": str(path), "field": "FILE", "message": "no such file"}])
    fmt = file_format(path)
    if fmt in ("csv", "tsv"):
        try:
            reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK, sep="\t" if fmt == "tsv" else ",",
                                 compression="infer", encoding_errors="replace")
            line = 2
            for df in reader:
                records: list[dict[str, Any]] = df.to_dict(orient="records")
                yield line, records
                line += len(records)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise ValidationFailed(f"{path}: cannot read CSV: {exc}", errors=[{"file": str(path), "message": str(exc)}]) from exc
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise ValidationFailed(f"{path}: cannot read Parquet: {exc}", errors=[{"file": str(path), "message": str(exc)}]) from exc
        line = 1
        for batch in pf.iter_batches(batch_size=CHUNK):
            records = [{k: (None if v is None else (v if isinstance(v, (dict, list)) else str(v))) for k, v in r.items()}
                       for r in batch.to_pylist()]
            yield line, records
            line += len(records)
    else:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        rows: list[dict[str, Any]] = []
        start = 1
        bad: list[dict[str, Any]] = []
        with opener(path, "rb") as fh:  # type: ignore[operator]
            for i, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    obj = {"__error__": f"malformed JSON: {exc}"}
                if not isinstance(obj, dict):
                    obj = {"__error__": "each line must be a JSON object"}
                obj["__line__"] = i
                rows.append(obj)
                if len(rows) >= CHUNK:
                    yield start, rows
                    rows, start = [], i + 1
        if rows:
            yield start, rows
        _ = bad
