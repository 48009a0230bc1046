"""The embedded store: one DuckDB file per workspace, read through Ibis.

Writes (ingest, imports, keys) use the raw DuckDB connection in :attr:`Store.con`; everything that reads
for analysis uses :attr:`Store.ibis` (an Ibis backend over the same connection), so the same metric code
runs on another Ibis backend (Spark) unchanged. Only one process can hold the file read-write: while the
server runs it owns the file and the CLI goes through the server's API instead.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from cxjourney.errors import SchemaVersionError, WorkspaceLocked
from cxjourney.storage.migrations import MIGRATIONS, SCHEMA_VERSION


class Store:
    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only
        self.lock = threading.RLock()  # serialises use of ``con`` across threads
        # Set by the server's event writer: brings derived rows (the persons' activity spans) up to the committed
        # events. Readers call it (``sync_for_read``) before they read.
        self.before_read: Any = None

    @cached_property
    def ibis(self) -> Any:
        import ibis

        # Its own cursor: DuckDB (2.x) refuses relation queries on a connection that still holds an
        # unfinished result (any ``con.execute(...).fetchone()`` leaves one), so the raw connection used by
        # writes and key look-ups must not be the one Ibis reads through.
        from cxjourney.storage.ibis_cache import speed_up

        return speed_up(ibis.duckdb.from_connection(self.con.cursor()))

    def table(self, name: str) -> Any:
        """An Ibis table expression for ``name``."""
        return self.ibis.table(name)

    def sync_for_read(self) -> None:
        """Called before a read: lets the writer apply what it keeps pending (see ``before_read``). Not while
        holding ``lock`` (the writer takes its own lock first, then this one)."""
        hook = self.before_read
        if hook is not None:
            owned = getattr(self.lock, "_is_owned", None)
            if owned is None or not owned():
                hook()

    def schema_version(self) -> int:
        return _read_version(self.con)

    def close(self) -> None:
        try:
            self.con.close()
        except duckdb.Error:
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_version(con: duckdb.DuckDBPyConnection) -> int:
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()  # fetchall: DuckDB 2 keeps a fetchone() result open, which breaks the next Ibis read
    if not has_meta or not has_meta[0][0]:
        return 0
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; returns the version it started from."""
    start = _read_version(con)
    if start > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"this workspace's schema is version {start}, newer than this cxjourney supports "
            f"(version {SCHEMA_VERSION}); upgrade cxjourney to open it"
        )
    for version in range(start + 1, SCHEMA_VERSION + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            for stmt in MIGRATIONS[version - 1]:
                con.execute(stmt)
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return start


def connect_path(path: str | Path, *, read_only: bool = False) -> Store:
    """Open (and, read-write, create or migrate) the DuckDB file at ``path``."""
    path = str(path)
    if read_only and not Path(path).exists():
        raise WorkspaceLocked(f"no database at {path}: run 'cxjourney init' first", status=404)
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WorkspaceLocked(
                f"{path} is held by another process (a running cxjourney server?): {exc}"
            ) from exc
        raise
    if read_only:
        version = _read_version(con)
        if version > SCHEMA_VERSION:
            con.close()
            raise SchemaVersionError(
                f"this workspace's schema is version {version}, newer than this cxjourney supports "
                f"(version {SCHEMA_VERSION}); upgrade cxjourney to open it"
            )
    else:
        try:
            migrate(con)
        except Exception:
            con.close()
            raise
    return Store(con, path, read_only)


def connect(settings: Any, *, read_only: bool = False) -> Store:
    """Open the workspace's store as configured by ``settings``."""
    return connect_path(settings.database_path, read_only=read_only)


def memory_store() -> Store:
    """A migrated in-memory store (tests, notebooks)."""
    con = duckdb.connect(":memory:")
    migrate(con)
    return Store(con, ":memory:", False)
