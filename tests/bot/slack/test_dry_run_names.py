"""Dry-run outbox files: one per alert key, always inside the outbox folder."""

from __future__ import annotations

from bot.adapters.dry_run import file_name


def test_keys_that_differ_only_in_unusual_characters_get_their_own_files():
    names = {file_name(k) for k in ("kunde-ü-12:2026-11-22", "kunde-ö-12:2026-11-22")}
    assert len(names) == 2


def test_a_key_with_slashes_or_dots_stays_one_file_in_the_folder():
    for key in ("ACME/EU#3:2026-11-22", "../../etc/passwd:2026-11-22"):
        name = file_name(key)
        assert "/" not in name and not name.startswith(".")


def test_an_ordinary_key_keeps_a_readable_name():
    assert file_name("A1202-00000:2024-12-02") == "A1202-00000_2024-12-02.json"
