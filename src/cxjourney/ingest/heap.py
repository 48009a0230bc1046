"""Giving freed heap memory back to the operating system (glibc keeps it otherwise)."""

from __future__ import annotations

from collections.abc import Callable


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to do
        return None


_MALLOC_TRIM = _load_malloc_trim()


def trim_heap() -> None:
    """Give freed heap memory back to the OS. Under ingestion load, request bodies and Arrow buffers are freed in
    between long-lived objects, and glibc keeps the freed pages: without this the server's (and its parsing
    workers') resident memory grows with the amount ingested rather than with what it holds."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
