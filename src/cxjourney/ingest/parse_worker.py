"""A parsing worker process of the server: ``python -m cxjourney.ingest.parse_worker``.

Once its imports are done it writes ``R`` to stdout (ready). Then it reads requests from stdin and writes answers
to stdout, each an 8-byte little-endian length and a pickle:
request ``(body bytes, received_at, max_event_bytes)``, answer what
:func:`cxjourney.ingest.fastpath.fast_batch` returns (``None``: the server runs the exact path itself).
It imports only the fast path (msgspec, orjson, pyarrow), and exits when the server closes its stdin (also
when the server is killed).
"""

from __future__ import annotations

import importlib.abc
import os
import pickle
import sys
import time
from typing import Any


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """pyarrow imports pandas the first time it builds an array from a list, only to ask whether the list is
    a pandas object: ~50 MB of resident memory in a process that never sees one. Here pandas is absent."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is not used by the parsing worker", name=name)
        return None


def _read(fd: int, n: int) -> bytes | None:
    parts = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def main() -> None:
    sys.meta_path.insert(0, _WithoutPandas())
    from cxjourney.ingest.fastpath import fast_batch
    from cxjourney.ingest.heap import trim_heap

    inp = sys.stdin.fileno()
    last_trim = time.monotonic()
    out = os.dup(sys.stdout.fileno())  # the answers' channel; stray prints of any library go to stderr
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.write(out, b"R")  # ready: imports done
    while True:
        head = _read(inp, 8)
        if head is None:
            return
        payload = _read(inp, int.from_bytes(head, "little"))
        if payload is None:
            return
        raw, received_at, max_event_bytes = pickle.loads(payload)
        try:
            result = fast_batch(raw, received_at=received_at, max_event_bytes=max_event_bytes)
        except Exception:  # noqa: BLE001  (the server's exact path parses it again and names what is wrong)
            result = None
        data = pickle.dumps(result, protocol=5)
        os.write(out, len(data).to_bytes(8, "little"))
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]
        del raw, payload, result, data, view
        if time.monotonic() - last_trim > 1.0:
            trim_heap()  # bodies and results come and go
            last_trim = time.monotonic()


if __name__ == "__main__":
    main()
