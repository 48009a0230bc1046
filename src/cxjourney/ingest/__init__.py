"""Ingest: validate Segment-spec messages, stitch identities, and commit events (group commit)."""

from cxjourney.ingest.normalize import Rejection, normalize, parse_time
from cxjourney.ingest.writer import EventWriter, WriteResult

__all__ = ["EventWriter", "Rejection", "WriteResult", "normalize", "parse_time"]
