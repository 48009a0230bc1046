"""Identity stitching: every anonymous id and user id maps to one canonical person id.

Rules (Segment's identity model): an event with a userId belongs to that user's person; an anonymousId
seen with a userId (identify, or any event carrying both) joins the user's person, and the anonymous
history moves with it; ``alias(previousId, userId)`` merges previousId's person into userId's person.
Merges rewrite ``events.person_id`` and ``identities`` in the same transaction as the events that caused them.
"""

from __future__ import annotations

from typing import Any


class IdentityMap:
    """In-memory mirror of the ``identities`` table, owned by the single writer."""

    def __init__(self, con: Any):
        self._load(con)

    def _load(self, con: Any) -> None:
        self.map: dict[str, str] = dict(con.execute("SELECT id, person_id FROM identities").fetchall())
        # Reverse index (person -> its ids) so a merge touches only the merged person's ids, not the whole map.
        self.members: dict[str, list[str]] = {}
        for any_id, person in self.map.items():
            self.members.setdefault(person, []).append(any_id)

    def person_of(self, any_id: str) -> str:
        return self.map.get(any_id, any_id)

    def resolve(self, etype: str, uid: str | None, aid: str | None, prev: str | None,
                new_ids: dict[str, str], merges: list[tuple[str, str]]) -> str:
        """The person id of one event; records new identities and merges (old_person -> new_person).
        ``prev`` is an alias event's previousId."""
        if etype == "alias":
            assert uid is not None and prev is not None
            target = self.person_of(uid)
            self._ensure(uid, target, new_ids)
            old = self.person_of(prev)
            if prev not in self.map:
                self._ensure(prev, target, new_ids)
            if old != target:
                self._merge(old, target, new_ids, merges)
            return target
        if uid is not None:
            person = self.person_of(uid)
            self._ensure(uid, person, new_ids)
            if aid is not None:
                known = self.map.get(aid)
                if known is None:
                    self._ensure(aid, person, new_ids)
                elif known != person and known == aid:
                    # An anonymous visitor who now identifies: their history joins the user.
                    self._merge(known, person, new_ids, merges)
            return person
        assert aid is not None
        known = self.map.get(aid)
        if known is None:  # a new anonymous visitor
            self._ensure(aid, aid, new_ids)
            return aid
        return known

    def _ensure(self, any_id: str, person: str, new_ids: dict[str, str]) -> None:
        before = self.map.get(any_id)
        if before != person:
            if before is not None:
                self.members[before].remove(any_id)
            self.map[any_id] = person
            self.members.setdefault(person, []).append(any_id)
            new_ids[any_id] = person

    def _merge(self, old: str, new: str, new_ids: dict[str, str], merges: list[tuple[str, str]]) -> None:
        moving = self.members.pop(old, [])
        for k in moving:
            self.map[k] = new
            new_ids[k] = new
        self.members.setdefault(new, []).extend(moving)
        merges.append((old, new))

    def rollback(self, con: Any) -> None:
        self._load(con)
