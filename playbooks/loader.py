"""Load the playbook library: the built-in one, a team's folder, or the team's on top of ours.

A library loads whole or not at all: every problem in every file is collected and raised
as one ``LibraryInvalid``, so a broken file never leaves alerts with half their buttons.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from playbooks.errors import LibraryInvalid
from playbooks.model import ENTITY_FAMILIES, FAMILIES, Playbook
from playbooks.validation import parse_playbook

PATTERNS = ("*.yml", "*.yaml")


def builtin_folder(entity: str = "account") -> Path:
    """The folder of the library that ships with atrisk: customer-success playbooks for
    accounts, sales plays (``library_leads``) for leads."""
    name = "library_leads" if entity == "lead" else "library"
    return Path(str(resources.files("playbooks") / name))


@dataclass(frozen=True)
class Library:
    """A validated set of playbooks with unique ids, in id order."""

    playbooks: tuple[Playbook, ...]
    #: the reason families this library answers (an entity's: ``ENTITY_FAMILIES``)
    families: tuple[str, ...] = FAMILIES
    _by_id: dict[str, Playbook] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Playbook] = {}
        for p in self.playbooks:
            if p.id in by_id:
                raise LibraryInvalid([f"{p.source}: {p.id}: id: duplicate of a playbook above"])
            by_id[p.id] = p
        object.__setattr__(self, "playbooks", tuple(sorted(self.playbooks, key=lambda p: p.id)))
        object.__setattr__(self, "_by_id", by_id)

    def get(self, playbook_id: str) -> Playbook | None:
        """The playbook with this id, or None (e.g. removed since an alert was posted)."""
        return self._by_id.get(playbook_id)

    def uncovered_families(self) -> set[str]:
        """Reason families no playbook lists: their alerts can only offer "Not a risk"."""
        return set(self.families) - {f for p in self.playbooks for f in p.families}

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self.playbooks)

    def __len__(self) -> int:
        return len(self.playbooks)

    def __contains__(self, playbook_id: object) -> bool:
        return playbook_id in self._by_id


def _yaml_error(label: str, e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    what = getattr(e, "problem", None) or str(e)
    return f"{label}: not valid YAML{where}: {what}"


def _entries(path: Path, label: str) -> tuple[list[object], list[str]]:
    """The raw playbook mappings in one file, or the file-level problems."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        return [], [_yaml_error(label, e)]
    except (OSError, UnicodeDecodeError) as e:
        return [], [f"{label}: cannot be read: {e}"]
    if data is None:
        return [], [f"{label}: the file is empty; write a playbook or remove the file"]
    if isinstance(data, dict) and "playbooks" in data:
        extra = sorted(str(k) for k in data if k != "playbooks")
        if extra:
            return [], [f"{label}: {', '.join(extra)}: not known next to `playbooks:`"]
        if not isinstance(data["playbooks"], list) or not data["playbooks"]:
            return [], [f"{label}: playbooks: must be a list of playbooks"]
        return list(data["playbooks"]), []
    if isinstance(data, dict):
        return [data], []
    return [], [f"{label}: expected one playbook (a mapping) or a `playbooks:` list"]


def read_folder(
    folder: Path,
    known_features: Collection[str] | None = None,
    families: tuple[str, ...] = FAMILIES,
) -> tuple[list[Playbook], list[str]]:
    """Every playbook in ``folder`` (``*.yml``/``*.yaml``, in name order) and every problem."""
    if not folder.is_dir():
        return [], [f"{folder}: no such playbook folder (check actions.playbooks in atrisk.yml)"]
    paths = sorted({p for pattern in PATTERNS for p in folder.glob(pattern)})
    playbooks: list[Playbook] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        if path.name.startswith("."):
            continue
        label = str(path)
        entries, file_problems = _entries(path, label)
        problems += file_problems
        for index, raw in enumerate(entries):
            playbook, found = parse_playbook(raw, label, index, known_features, families)
            problems += found
            if playbook is None:
                continue
            if playbook.id in seen:
                problems.append(
                    f"{label}: {playbook.id}: id: duplicate, already defined in {seen[playbook.id]}"
                )
                continue
            seen[playbook.id] = label
            playbooks.append(playbook)
    return playbooks, problems


def load_library(
    folder: Path | None = None,
    *,
    extend_builtin: bool = False,
    known_features: Collection[str] | None = None,
    entity: str = "account",
) -> Library:
    """Load and validate a library; ``LibraryInvalid`` lists every problem, nothing partial.

    ``folder`` None is the built-in library. A folder replaces it, or with
    ``extend_builtin`` is added to it (a team playbook with a built-in id overrides it).
    ``known_features``, when given, refuses conditions on features it does not list.
    ``entity`` ``lead`` loads sales plays: the built-in ``library_leads`` and the lead
    families (intent, engagement, trial, buying_group).
    """
    families = ENTITY_FAMILIES.get(entity, FAMILIES)
    playbooks: dict[str, Playbook] = {}
    problems: list[str] = []
    if folder is None or extend_builtin:
        builtin, found = read_folder(builtin_folder(entity), known_features, families)
        problems += found
        playbooks.update((p.id, p) for p in builtin)
    if folder is not None:
        team, found = read_folder(Path(folder), known_features, families)
        problems += found
        playbooks.update((p.id, p) for p in team)
        if not team and not found and not extend_builtin:
            problems.append(
                f"{folder}: no playbook files (*.yml); every alert would only offer Not a risk"
            )
    if problems:
        raise LibraryInvalid(problems)
    return Library(tuple(playbooks.values()), families)


_BUILTIN: dict[str, Library] = {}


def library_for(library: Library, entity: str) -> Library:
    """The library for an alert of ``entity`` (``account`` or ``lead``): ``library`` when it
    is that entity's (its reason families say so), else that entity's built-in library,
    loaded once. So a lead alert handled by a churn deployment reads the sales plays' reminder
    days and follow-ups, never a churn playbook's. Raises ``LibraryInvalid`` only if the
    packaged library is broken."""
    families = ENTITY_FAMILIES.get(entity, FAMILIES)
    if tuple(library.families) == tuple(families):
        return library
    if entity not in _BUILTIN:
        _BUILTIN[entity] = load_library(entity=entity)
    return _BUILTIN[entity]
