"""Ingest: validate Segment-spec messages, stitch identities, and commit events (group commit).

The writer is imported on first use: the server's parsing worker processes import only
``cxjourney.ingest.fastpath`` (and what it needs), not the writer and its store.
"""

from typing import Any

from cxjourney.ingest.normalize import Rejection, normalize, parse_time

__all__ = ["EventWriter", "Rejection", "WriteResult", "normalize", "parse_time"]


def __getattr__(name: str) -> Any:
    if name in ("EventWriter", "WriteResult"):
        from cxjourney.ingest import writer as _writer

        return getattr(_writer, name)
    raise AttributeError(f"module 'cxjourney.ingest' has no attribute {name!r}")
