"""GDPR erasure: remove everything the store holds about one person, under any of their ids.

The person is found through the identity map (user id, anonymous id, alias, or an e-mail trait). Every base
table with a ``person_id`` column loses the person's rows; tables keyed by ``user_id``/``anonymous_id`` lose the
rows of any of the person's ids; comment analyses of the person's answers go with the answers. It all happens
in one transaction, serialised with the event writer, whose identity map is reloaded afterwards, so a later
event under an erased id starts a new, empty person.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from cxjourney.errors import NotFound

_ID_COLUMNS = ("person_id", "user_id", "anonymous_id")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def find_person(con: Any, any_id: str) -> tuple[str, list[str]] | None:
    """(person_id, every id stitched to it) for a user id, anonymous id or e-mail; None when unknown."""
    row = con.execute("SELECT person_id FROM identities WHERE id = ?", [any_id]).fetchall()
    if not row:
        row = con.execute("SELECT person_id FROM persons WHERE person_id = ?", [any_id]).fetchall()
    if not row:
        row = con.execute(
            "SELECT person_id FROM persons WHERE lower(json_extract_string(traits, '$.email')) = lower(?)", [any_id]
        ).fetchall()
    if not row:
        row = con.execute("SELECT DISTINCT person_id FROM events WHERE person_id = ? LIMIT 1", [any_id]).fetchall()
    if not row:
        return None
    person = str(row[0][0])
    ids = [r[0] for r in con.execute("SELECT id FROM identities WHERE person_id = ?", [person]).fetchall()]
    return person, sorted({person, *ids})


def _tables(con: Any) -> dict[str, set[str]]:
    rows = con.execute(
        """SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
           WHERE t.table_type = 'BASE TABLE' AND c.table_schema = current_schema()"""
    ).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def erase_person(store: Any, any_id: str, *, writer: Any = None, dry_run: bool = False) -> dict[str, Any]:
    """Delete the person behind ``any_id`` everywhere. Returns the person, their ids and rows removed per table.

    ``dry_run`` counts without deleting. Raises :class:`NotFound` when no such person is known.
    """
    from cxjourney.analytics.rollups import lock_for

    guard = writer._lock if writer is not None else nullcontext()
    # The rollup lock first (a rollup refresh holds it, then takes store.lock to commit).
    with lock_for(str(store.path)), guard, store.lock:
        con = store.con
        found = find_person(con, any_id)
        if found is None:
            raise NotFound(f"no person with id or e-mail {any_id!r}", errors=[{"field": "person", "value": any_id, "message": "unknown person"}])
        person, ids = found
        tables = _tables(con)
        removed: dict[str, int] = {}
        con.execute("BEGIN TRANSACTION")
        try:
            # Analyses of the person's answers go first, while the answers still say whose they are.
            if "comment_analysis" in tables and "responses" in tables:
                n = con.execute(
                    "SELECT count(*) FROM comment_analysis WHERE response_id IN (SELECT response_id FROM responses WHERE person_id = ?)",
                    [person],
                ).fetchall()[0][0]
                if n and not dry_run:
                    con.execute(
                        "DELETE FROM comment_analysis WHERE response_id IN (SELECT response_id FROM responses WHERE person_id = ?)",
                        [person],
                    )
                removed["comment_analysis"] = int(n)
            for table, cols in sorted(tables.items()):
                keys = [c for c in _ID_COLUMNS if c in cols]
                if not keys or table in ("comment_analysis", "identities"):
                    continue
                ph = ", ".join("?" for _ in ids)
                cond = " OR ".join(f"{_quote(c)} IN ({ph})" for c in keys)
                params = [i for _ in keys for i in ids]
                n = con.execute(f"SELECT count(*) FROM {_quote(table)} WHERE {cond}", params).fetchall()[0][0]
                if n and not dry_run:
                    con.execute(f"DELETE FROM {_quote(table)} WHERE {cond}", params)
                removed[table] = int(n)
            ph = ", ".join("?" for _ in ids)
            n = con.execute(f"SELECT count(*) FROM identities WHERE id IN ({ph}) OR person_id = ?", [*ids, person]).fetchall()[0][0]
            if n and not dry_run:
                con.execute(f"DELETE FROM identities WHERE id IN ({ph}) OR person_id = ?", [*ids, person])
            removed["identities"] = int(n)
            con.execute("ROLLBACK" if dry_run else "COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        if writer is not None and not dry_run:
            writer.reload()  # the identity map and the traits it remembers, from the tables
    return {"person_id": person, "ids": ids, "removed": {k: v for k, v in removed.items() if v}, "dry_run": dry_run}
