"""A wrong ``DATABASE_URL``: one short message naming the URL (no password) and the fix, exit 2.

Every command that touches the database says it the same way, and no command but
``atrisk db upgrade`` ever creates a database.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.bootstrap import default_spec_path
from bot.cli import run
from tests.conftest import PG_URL

COMMANDS = [
    ["status"],
    ["model", "list"],
    ["audit"],
    ["report"],
    ["score", "--no-post"],
    ["ingest", "."],
    ["db", "upgrade"],
    ["check"],
]
PG_SERVER = PG_URL.split("//", 1)[1].rsplit("/", 1)[0].split("@")[-1]  # host:port


def _wrong_urls(tmp: Path) -> dict[str, tuple[str, str]]:
    """cause → (DATABASE_URL, what the message must say)."""
    return {
        "missing folder": (
            f"sqlite:///{tmp}/no/such/folder/atrisk.db",
            f"the folder {tmp}/no/such/folder does not exist",
        ),
        "refused port": (
            "postgresql://atrisk:s3cret@127.0.0.1:9/atrisk",
            "nothing answers at 127.0.0.1:9 (connection refused)",
        ),
        "bare path": (f"{tmp}/atrisk.db", f"write sqlite:///{tmp}/atrisk.db"),
        "no driver": ("mysql://atrisk:s3cret@localhost/atrisk", "needs the mysql driver"),
        "garbage": ("postgres ql://atrisk:s3cret@x", "is not a database URL"),
        "bad port": ("postgresql://atrisk:s3cret@host:port/db", "is not a database URL"),
    }


def _run(
    argv: list[str], url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    code = run(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("cause", list(_wrong_urls(Path("/x"))))
def test_a_wrong_database_url_gets_one_line_naming_it_and_the_fix_from_every_command(
    cause: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    url, says = _wrong_urls(tmp_path)[cause]
    for argv in COMMANDS:
        with caplog.at_level(logging.ERROR):
            code, out, err = _run(argv, url, monkeypatch, capsys)
        printed = out + err
        assert code == 2, (argv, printed)
        assert says in printed, (argv, printed)
        assert "DATABASE_URL" in printed and "s3cret" not in printed, (argv, printed)
        assert "Traceback" not in printed and "unexpected" not in printed, (argv, printed)
        if argv != ["check"]:  # check lists its findings; the others print one error line
            assert err.count("\n") == 1 and out == "", (argv, printed)
        assert not [r for r in caplog.records if r.exc_info], argv
        caplog.clear()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing was created


def test_a_misspelt_sqlite_path_is_refused_and_no_database_is_created(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = Path(sqlite_url.removeprefix("sqlite:///"))
    typo = real.with_name("atrsk.db")
    for argv in COMMANDS:
        if argv == ["db", "upgrade"]:
            continue
        code, out, err = _run(argv, f"sqlite:///{typo}", monkeypatch, capsys)
        assert code == 2, (argv, out + err)
        assert f"there is no database at {typo}" in out + err, argv
        assert "Check the path for a typo" in out + err and "atrisk db upgrade" in out + err
        assert not typo.exists(), argv


def test_only_db_upgrade_creates_a_new_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.db"
    code, out, _ = _run(["db", "upgrade"], f"sqlite:///{path}", monkeypatch, capsys)
    assert code == 0 and "upgraded from empty" in out and path.exists()
    code, out, _ = _run(["check"], f"sqlite:///{path}", monkeypatch, capsys)
    assert code == 0 and "is migrated" in out


def test_a_postgresql_database_that_does_not_exist_is_named_with_how_to_create_it(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_url.rsplit("/", 1)[0] + "/atrisk_no_such_db"
    for argv in (["status"], ["db", "upgrade"], ["check"]):
        code, out, err = _run(argv, url, monkeypatch, capsys)
        assert code == 2, out + err
        assert "the database 'atrisk_no_such_db' does not exist" in out + err
        assert "createdb atrisk_no_such_db" in out + err and "Traceback" not in out + err


def test_a_refused_login_on_postgresql_names_the_user(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+psycopg://atrisk_nobody:pw@{PG_SERVER}/test"
    code, _, err = _run(["status"], url, monkeypatch, capsys)
    assert code == 2 and "refused the login of 'atrisk_nobody'" in err and "pw@" not in err
