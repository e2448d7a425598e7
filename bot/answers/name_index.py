"""Every account's name and id in memory, for ``/atrisk <name>`` across 100k accounts.

A substring (``acme`` in ``Acme Corp``) cannot use a B-tree index, and a misspelt name
(``Acme Crop``) has no index at all: asked of the database, both read every account on every
request. ``NameIndex`` holds the lowered names and ids once per process (about 40 MB per
100k accounts, built in about 1.2 CPU seconds) with the trigrams of each name, so those
questions cost a few milliseconds. It is rebuilt when the accounts change: ``names_of`` keys
it by the newest ingest run, the first and last account id and the number of people, read
in one statement per question (``version``).

The index only narrows: the database still orders and returns the accounts, so an answer is
the one a full scan gives.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.held import HeldPerEngine
from storage.models import Account
from storage.state_key import state_key

SUBSTRING_MOST = 500  # more accounts containing the text than this: the database searches

# letters Unicode does not decompose into a plain letter and an accent, and apostrophes
_PLAIN = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
    | dict.fromkeys("\u2019\u2018\u02bc\u00b4`", "'")
)


def fold(text: str) -> str:
    """``text`` as names are compared: lower case, without accents (``Société`` → ``societe``,
    ``Łódź`` → ``lodz``), one kind of apostrophe; what most keyboards let a CSM type."""
    if text.isascii():
        return text.lower().replace("`", "'")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_PLAIN)


@dataclass(frozen=True)
class NameIndex:
    """``ids[i]``, ``names[i]`` and ``csms[i]`` of every account, ordered by id."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    csms: tuple[str, ...]
    lowered: tuple[tuple[str, str], ...]  # (name, id) of each account, folded (``fold``)
    text: str  # folded name and id of each account, each followed by "\n"
    starts: tuple[int, ...]  # where each of those 2 × n pieces starts in ``text``
    grams: dict[str, np.ndarray]  # trigram of a folded name → rows holding it, ascending
    csm_rows: dict[str, np.ndarray]  # CSM email → their rows
    whole: dict[str, int | tuple[int, ...]]  # a folded name or id → its row (rows, ascending)

    @classmethod
    def build(cls, rows: list[tuple[str, str, str]]) -> NameIndex:
        """From ``(account_id, name, csm_email)`` rows, in any order."""
        rows = sorted(rows)
        pieces, starts, at = [], [], 0
        grams: dict[str, list[int]] = {}
        csm_rows: dict[str, list[int]] = {}
        for i, (account_id, name, csm) in enumerate(rows):
            lowered = fold(name)
            for piece in (lowered, fold(account_id)):
                starts.append(at)
                pieces.append(piece)
                at += len(piece) + 1
            for gram in {lowered[k : k + 3] for k in range(len(lowered) - 2)}:
                grams.setdefault(gram, []).append(i)
            csm_rows.setdefault(csm, []).append(i)
        return cls(
            ids=tuple(r[0] for r in rows),
            lowered=tuple((pieces[2 * i], pieces[2 * i + 1]) for i in range(len(rows))),
            names=tuple(r[1] for r in rows),
            csms=tuple(r[2] for r in rows),
            text="".join(p + "\n" for p in pieces),
            whole=_rows_of(pieces),
            starts=tuple(starts),
            grams={g: np.asarray(v, dtype=np.int32) for g, v in grams.items()},
            csm_rows={c: np.asarray(v, dtype=np.int32) for c, v in csm_rows.items()},
        )

    def __len__(self) -> int:
        return len(self.ids)

    def in_scope(self, csm_emails: Collection[str] | None) -> np.ndarray | None:
        """A mask of the rows whose CSM is in ``csm_emails`` (None: every row)."""
        if csm_emails is None:
            return None
        mask = np.zeros(len(self), dtype=bool)
        for email in csm_emails:
            mask[self.csm_rows.get(email, [])] = True
        return mask

    def equal(self, query: str, csm_emails: Collection[str] | None, most: int) -> list[str]:
        """Ids of up to ``most`` accounts in scope whose name or id is ``query``, both folded
        (``societe generale`` is ``Société Générale``): a dictionary look-up."""
        held = self.whole.get(fold(query), ())
        rows = (held,) if isinstance(held, int) else held
        scope = self.in_scope(csm_emails) if rows else None
        return [self.ids[r] for r in rows if scope is None or scope[r]][:most]

    def containing(
        self, query: str, csm_emails: Collection[str] | None, most: int = SUBSTRING_MOST
    ) -> list[str] | None:
        """Ids of the accounts in scope whose folded name or id contains ``query`` folded;
        None when more than ``most`` do (too many to hand to the database as a list)."""
        needle = fold(query)
        if not needle or "\n" in needle:
            return []
        scope = self.in_scope(csm_emails)
        if scope is not None:  # a CSM's or a team's accounts: look at those only
            rows = [r for r in np.flatnonzero(scope).tolist() if _holds(self.lowered[r], needle)]
            return None if len(rows) > most else [self.ids[r] for r in rows]
        found: dict[int, None] = {}
        at = self.text.find(needle)
        while at >= 0:
            found[(bisect.bisect_right(self.starts, at) - 1) // 2] = None
            if len(found) > most:
                return None
            at = self.text.find(needle, at + 1)
        return [self.ids[r] for r in found]

    def sharing_trigrams(
        self, grams: list[str], csm_emails: Collection[str] | None, limit: int
    ) -> list[tuple[str, str]]:
        """``(account_id, name)`` of up to ``limit`` accounts in scope whose lowered names
        hold most of ``grams``; ties by id. Accounts holding none are left out."""
        if not grams:
            return []
        shared = np.zeros(len(self), dtype=np.int16)
        everyone = 0  # grams every account holds ("com" when all are "Company …"): no scatter
        for gram in grams:
            rows = self.grams.get(gram)
            if rows is None:
                continue
            if len(rows) == len(self):
                everyone += 1
            else:
                shared[rows] += 1
        if everyone:
            shared += everyone
        scope = self.in_scope(csm_emails)
        if scope is not None:
            shared[~scope] = 0
        # most grams shared first, then the lower row (the lower id): one key, one pass
        rows = np.flatnonzero(shared)
        order = shared[rows].astype(np.int64) * (len(self) + 1) - rows
        if len(rows) > limit:
            best = np.argpartition(-order, limit - 1)[:limit]
            rows, order = rows[best], order[best]
        picked = rows[np.argsort(-order)].tolist()
        return [(self.ids[r], self.names[r]) for r in picked]


def _rows_of(pieces: list[str]) -> dict[str, int | tuple[int, ...]]:
    """Each folded name and id (``pieces``: name, id, name, id… of rows 0, 1…) → its row, or
    its rows when several accounts share it (a plain int for the many that are unique)."""
    rows: dict[str, int | tuple[int, ...]] = {}
    for at, piece in enumerate(pieces):
        row, held = at // 2, rows.get(piece)
        if held is None:
            rows[piece] = row
        elif isinstance(held, int):
            if held != row:
                rows[piece] = (held, row)
        elif held[-1] != row:
            rows[piece] = (*held, row)
    return rows


def _holds(lowered: tuple[str, str], needle: str) -> bool:
    return needle in lowered[0] or needle in lowered[1]


def close_matches(
    word: str, possibilities: list[str], n: int, cutoff: float
) -> list[tuple[str, float]]:
    """The ``n`` possibilities most similar to ``word`` (at least ``cutoff``), best first, each
    with its similarity in 0–1; ties keep the order of ``possibilities``.

    Similarity is rapidfuzz's ``fuzz.ratio`` / 100, the normalised Indel similarity
    2·LCS / (len(a) + len(b)) (LCS: longest common subsequence): ``difflib``'s ratio with the
    longest common subsequence for its matched characters, so never below it. In C++: 500
    candidates cost well under a millisecond."""
    found = process.extract(
        word, possibilities, scorer=fuzz.ratio, limit=n, score_cutoff=100 * cutoff
    )
    return [(choice, score / 100) for choice, score, _ in found]


_built: HeldPerEngine[NameIndex] = HeldPerEngine()


def version(session: Session) -> tuple[int | None, str | None, str | None, int]:
    """What ``NameIndex`` (and the other per-process copies of the accounts and the team) are
    keyed by: the newest ingest run, the first and last account id and the number of people
    in the team (``storage.state_key``: read once per transaction with the other keys)."""
    return state_key(session).ingest


def names_of(session: Session) -> NameIndex:
    """The process's ``NameIndex`` of the session's database, built on first use and again
    after each ingest (one builder at a time; the others wait for it)."""

    def build() -> NameIndex:
        rows = session.execute(select(Account.account_id, Account.name, Account.csm_email))
        return NameIndex.build([(a, n, c) for a, n, c in rows])

    return _built.get(session.get_bind().engine, version(session), build)


def forget() -> None:
    """Drop every index held (tests)."""
    _built.forget()
