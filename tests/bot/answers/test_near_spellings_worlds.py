"""A company name typed with one slip (a letter dropped, added, swapped or changed) finds that
account and never another, on our synthetic company's names and on the second generator's."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.answers.lookups import FUZZY_POOL, _fuzzy
from bot.answers.name_index import NameIndex
from storage.repositories.read_models import trigrams
from synth.names import company_names
from tests.worlds.config import WorldConfig
from tests.worlds.harbor import make_world

TRIES = 200


def _slip(rng: random.Random, name: str) -> str:
    i = rng.randrange(1, max(2, len(name) - 1))
    match rng.randrange(4):
        case 0:
            return name[:i] + name[i + 1 :]
        case 1:
            return name[:i] + rng.choice("aeiorstn") + name[i:]
        case 2 if i < len(name) - 1:
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        case _:
            return name[:i] + rng.choice("aeiorstn") + name[i + 1 :]


def _names(world: str) -> list[tuple[str, str]]:
    if world == "synth":
        names = company_names(np.random.default_rng([7, 3]), 5000)
        return [(f"acct_{i:05d}", n) for i, n in enumerate(names)]
    accounts = make_world(WorldConfig()).accounts
    return list(zip(accounts["account_id"].astype(str), accounts["name"].astype(str), strict=True))


@pytest.mark.parametrize("world", ["synth", "second generator"])
def test_a_name_with_one_slip_finds_its_account_and_no_other(world: str) -> None:
    rows = _names(world)
    index = NameIndex.build([(a, n, "csm@example.com") for a, n in rows])
    rng = random.Random(5)
    found = wrong = 0
    for _ in range(TRIES):
        account, name = rows[rng.randrange(len(rows))]
        typed = _slip(rng, name)
        candidates = index.sharing_trigrams(trigrams(typed, most=len(typed)), None, FUZZY_POOL)
        strong, _ = _fuzzy(typed, candidates)
        found += account in strong
        wrong += bool(strong) and account not in strong
    assert found == TRIES
    assert wrong == 0
