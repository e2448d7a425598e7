"""The near-spelling candidates are the accounts in scope sharing most of the question's
trigrams, ties by account id, however many accounts tie."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.name_index import NameIndex

WORDS = ["acme", "corp", "acne", "core", "globex", "glob", "initech", "inc", "co"]


def _expected(index: NameIndex, grams: list[str], scope: set[str] | None, limit: int) -> list[str]:
    counts = []
    for row, name in enumerate(index.names):
        if scope is not None and index.csms[row] not in scope:
            continue
        lowered = name.lower()
        held = {lowered[k : k + 3] for k in range(len(lowered) - 2)}
        shared = sum(1 for g in grams if g in held)
        if shared:
            counts.append((-shared, index.ids[row]))
    return [account for _, account in sorted(counts)[:limit]]


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
        min_size=1,
        max_size=60,
    ),
    question=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join),
    limit=st.integers(min_value=1, max_value=12),
    scoped=st.booleans(),
)
def test_candidates_share_most_trigrams_and_ties_go_by_id(
    names: list[str], question: str, limit: int, scoped: bool
) -> None:
    rows = [(f"A{i:03d}", name, f"csm{i % 3}@example.com") for i, name in enumerate(names)]
    index = NameIndex.build(rows)
    grams = sorted({question[k : k + 3] for k in range(len(question) - 2)})
    scope = {"csm0@example.com", "csm2@example.com"} if scoped else None
    got = [a for a, _ in index.sharing_trigrams(grams, scope, limit)]
    assert got == _expected(index, grams, scope, limit)


def test_a_name_typed_whole_finds_every_account_of_that_name_in_scope() -> None:
    rows = [
        ("A1", "Société Générale", "a@example.com"),
        ("A2", "Societe Generale", "b@example.com"),
        ("A3", "Acme", "a@example.com"),
        ("acme", "Acme Corp", "a@example.com"),  # an id equal to another's name
    ]
    index = NameIndex.build(rows)
    assert index.equal("SOCIETE GENERALE", None, 10) == ["A1", "A2"]
    assert index.equal("societe generale", {"b@example.com"}, 10) == ["A2"]
    assert index.equal("ACME", None, 10) == ["A3", "acme"]
    assert index.equal("acme", None, 1) == ["A3"]
    assert index.equal("nobody", None, 10) == []
