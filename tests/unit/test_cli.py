"""The `chibo` console entry point, run for real in subprocesses: start-up errors and the admin commands."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import CONFIG_ENV, TOKEN_ENV
from bot.i18n import translator
from bot.texts import ROLE_NAMES, STATUS_NAMES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "bot" / "samples"
SECRET = "424242:SECRET-must-never-be-printed"
PROVINCE, COMMUNE, CELL = "Tỉnh Tuyên Quang", "Xã Thái Bình", "Chi bộ thôn 3"
SECRETARY, DEPUTY, COMMITTEE = "93.097948", "93.070679", "93.019904"
MEMBER, MEMBER_NAME = "93.058825", "Nông Thị Lan"  # a plain member of the sample file
PROBATIONARY, PROBATIONARY_NAME = "93.072318", "Hoàng Thị Yến"
vi = translator("vi").gettext


# --- running chibo ------------------------------------------------------------------------------


@dataclass
class Chibo:
    """The `chibo` command in a working directory, with CHIBO_CONFIG pointing at a config file."""

    cwd: Path
    config: Path

    def __call__(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, CONFIG_ENV, "PYTHONPATH")}
        env.update({CONFIG_ENV: str(self.config), "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"})
        if token is not None:
            env[TOKEN_ENV] = token
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    @property
    def db(self) -> Path:
        return self.cwd / "chibo.db"

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows straight from the SQLite file the commands wrote."""
        with contextlib.closing(sqlite3.connect(self.db)) as connection:
            return connection.execute(query, params).fetchall()


def chibo_in(folder: Path, toml: str | None = None) -> Chibo:
    """A config in `folder` with the given TOML, or one whose database is chibo.db there."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "chibo.toml"
    if toml is None:
        toml = f'[database]\nurl = "sqlite+aiosqlite:///{(folder / "chibo.db").as_posix()}"\n'
    config.write_text(toml, encoding="utf-8")
    return Chibo(folder, config)


def said(msgid: str, **params: object) -> str:
    """What chibo prints for a message in Vietnamese, the config's default language."""
    text = vi(msgid)
    assert text != msgid, f"no Vietnamese for {msgid!r}"
    return text % {k: str(v) for k, v in params.items()}


def said_pattern(msgid: str, **known: object) -> re.Pattern[str]:
    """The Vietnamese sentence with the given parameters filled and any others left open."""
    text = vi(msgid)
    assert text != msgid, f"no Vietnamese for {msgid!r}"
    pieces = re.split(r"%\((\w+)\)s", text)
    regex = "".join(
        re.escape(piece) if i % 2 == 0 else (re.escape(str(known[piece])) if piece in known else ".+")
        for i, piece in enumerate(pieces)
    )
    return re.compile(regex)


def assert_one_polite_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """A failed start: non-zero exit, one line on stderr naming what is wrong, no traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


# --- start-up errors ----------------------------------------------------------------------------


def test_run_without_a_token_fails_with_one_line_naming_telegram_token(tmp_path: Path) -> None:
    result = chibo_in(tmp_path)("run")
    assert_one_polite_line(result, "telegram.token")


def test_run_with_malformed_toml_fails_with_one_line_naming_the_file(tmp_path: Path) -> None:
    chibo = chibo_in(tmp_path, '[database\nurl = "sqlite+aiosqlite:///x.db"\n')
    assert_one_polite_line(chibo("run", token=SECRET), str(chibo.config))


def test_run_with_an_unknown_key_fails_with_one_line_naming_the_key(tmp_path: Path) -> None:
    chibo = chibo_in(tmp_path, "[telegram]\npoll_timout = 5\n")
    assert_one_polite_line(chibo("run", token=SECRET), "telegram.poll_timout")


def test_run_with_a_bad_database_url_fails_with_one_line_naming_database_url(tmp_path: Path) -> None:
    chibo = chibo_in(tmp_path, '[database]\nurl = "mysql://chibo@localhost/chibo"\n')
    assert_one_polite_line(chibo("run", token=SECRET), "database.url")


def test_run_with_a_missing_config_file_fails_with_one_line_naming_the_file(tmp_path: Path) -> None:
    chibo = Chibo(tmp_path, tmp_path / "nowhere.toml")
    assert_one_polite_line(chibo("run", token=SECRET), str(chibo.config))


def test_a_failing_start_never_prints_the_token(tmp_path: Path) -> None:
    chibo = chibo_in(tmp_path, 'timezone = "Mars/Olympus_Mons"\n')
    result = chibo("run", token=SECRET)
    assert_one_polite_line(result, "timezone")
    assert SECRET not in result.stderr + result.stdout
    assert SECRET.split(":")[1] not in result.stderr + result.stdout


# --- admin commands -----------------------------------------------------------------------------


@dataclass
class Prepared:
    """The outputs of setting up the sample organisation, and the folder holding its database."""

    folder: Path
    outputs: dict[str, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """Province > commune > the sample cell with its 19 members and 190 households, built by the CLI."""
    chibo = chibo_in(tmp_path_factory.mktemp("template"))
    steps = {
        "unit": ("unit", "add", PROVINCE),
        "subunit": ("unit", "add", COMMUNE, "--parent", PROVINCE),
        "cell": ("cell", "add", CELL, "--unit", COMMUNE),
        "members": ("import", "members", str(SAMPLES / "members_thon3.csv"), "--cell", CELL),
        "households": ("import", "households", str(SAMPLES / "households_thon3.csv"), "--cell", CELL),
    }
    outputs = {name: chibo(*args) for name, args in steps.items()}
    return Prepared(chibo.cwd, outputs)


@pytest.fixture
def chibo(prepared: Prepared, tmp_path: Path) -> Chibo:
    """A private copy of the prepared database, so each test starts from the same state."""
    for source in prepared.folder.glob("chibo.db*"):
        shutil.copy(source, tmp_path / source.name)
    return chibo_in(tmp_path)


def output_of(prepared: Prepared, step: str) -> str:
    result = prepared.outputs[step]
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_unit_add_prints_the_new_unit_in_vietnamese(prepared: Prepared) -> None:
    expected = said("Added unit %(name)s (id %(id)s).", name=PROVINCE, id=1)
    assert output_of(prepared, "unit") == expected + "\n"


def test_unit_add_with_a_parent_puts_the_unit_under_it(prepared: Prepared, chibo: Chibo) -> None:
    expected = said("Added unit %(name)s (id %(id)s).", name=COMMUNE, id=2)
    assert output_of(prepared, "subunit") == expected + "\n"
    assert chibo.rows("SELECT name, parent_id FROM unit ORDER BY id") == [(PROVINCE, None), (COMMUNE, 1)]


def test_cell_add_prints_the_new_cell(prepared: Prepared, chibo: Chibo) -> None:
    assert output_of(prepared, "cell") == said("Added cell %(name)s (id %(id)s).", name=CELL, id=1) + "\n"
    assert chibo.rows("SELECT name, kind, unit_id FROM cell") == [(CELL, "village", 2)]


@pytest.mark.parametrize(("step", "created"), [("members", 19), ("households", 190)])
def test_import_prints_how_many_rows_were_created(prepared: Prepared, step: str, created: int) -> None:
    expected = said(
        "Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
        cell=CELL,
        created=created,
        updated=0,
        unchanged=0,
    )
    assert output_of(prepared, step) == expected + "\n"


def test_member_list_prints_a_header_and_one_line_per_member(chibo: Chibo) -> None:
    result = chibo("member", "list", "--cell", CELL)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header == said("%(cell)s: %(count)s members", cell=CELL, count=19)
    assert len(lines) == 19
    secretary = next(line for line in lines if SECRETARY in line)
    assert "Hoàng Văn Thắng" in secretary and vi(ROLE_NAMES["secretary"]) in secretary


def test_invite_for_a_card_number_prints_a_code(chibo: Chibo) -> None:
    result = chibo("invite", SECRETARY)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert said_pattern(
        "Invite for %(name)s: %(code)s (valid until %(until)s)", name="Hoàng Văn Thắng"
    ).fullmatch(first)
    (code,) = chibo.rows(
        "SELECT code FROM invite_code JOIN person ON person.id = invite_code.person_id WHERE card_number = ?",
        SECRETARY,
    )[0]
    assert code in first
    assert second == said("Send it to the bot as: /start %(code)s", code=code)


def test_invite_for_a_cell_as_csv_writes_one_row_per_member(chibo: Chibo) -> None:
    result = chibo("invite", "--cell", CELL, "--format", "csv", "--output", "invites.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == said("Wrote %(count)s invites to %(path)s.", count=19, path="invites.csv") + "\n"
    header, *rows = list(csv.reader(io.StringIO((chibo.cwd / "invites.csv").read_text(encoding="utf-8-sig"))))
    assert header[:3] == [vi("Cell"), vi("Full name"), vi("Card number")]
    assert len(rows) == 19
    codes = {code for (code,) in chibo.rows("SELECT code FROM invite_code")}
    assert {row[3] for row in rows} == codes and len(codes) == 19


def test_role_grant_then_revoke_prints_each_change(chibo: Chibo) -> None:
    granted = chibo("role", "grant", MEMBER, "committee_member", "--cell", CELL)
    assert granted.returncode == 0, granted.stderr
    assert said_pattern("%(name)s is now %(role)s of %(scope)s.", name=MEMBER_NAME, scope=CELL).fullmatch(
        granted.stdout.strip()
    )
    revoked = chibo("role", "revoke", MEMBER, "committee_member", "--cell", CELL)
    assert revoked.returncode == 0, revoked.stderr
    assert said_pattern(
        "%(name)s is no longer %(role)s of %(scope)s.", name=MEMBER_NAME, scope=CELL
    ).fullmatch(revoked.stdout.strip())
    rows = chibo.rows(
        "SELECT role, valid_from, valid_to FROM role_assignment JOIN person ON person.id = person_id "
        "WHERE card_number = ?",
        MEMBER,
    )
    # Granted and revoked the same day, the role never took effect; the audit log keeps both steps.
    assert rows == []
    actions = chibo.rows("SELECT action FROM audit_log WHERE action LIKE 'role.%' ORDER BY id")
    assert actions[-2:] == [("role.grant",), ("role.revoke",)]


def test_role_grant_names_the_role_in_the_operators_language(chibo: Chibo) -> None:
    result = chibo("role", "grant", MEMBER, "committee_member", "--cell", CELL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == said(
        "%(name)s is now %(role)s of %(scope)s.",
        name=MEMBER_NAME,
        role=vi(ROLE_NAMES["committee_member"]),
        scope=CELL,
    )


def test_a_new_secretary_can_be_appointed_right_after_the_old_one_is_revoked(chibo: Chibo) -> None:
    revoked = chibo("role", "revoke", SECRETARY, "secretary", "--cell", CELL)
    assert revoked.returncode == 0, revoked.stderr
    granted = chibo("role", "grant", COMMITTEE, "secretary", "--cell", CELL)
    assert (granted.returncode, granted.stderr) == (0, "")


def test_member_status_prints_the_new_status(chibo: Chibo) -> None:
    day = today()
    result = chibo("member", "status", PROBATIONARY, "official", "--from", day.strftime("%d/%m/%Y"))
    assert result.returncode == 0, result.stderr
    assert said_pattern(
        "%(name)s is %(status)s from %(date)s.", name=PROBATIONARY_NAME, date=day.strftime("%d/%m/%Y")
    ).fullmatch(result.stdout.strip())
    statuses = chibo.rows(
        "SELECT status FROM member_status JOIN person ON person.id = person_id "
        "WHERE card_number = ? AND valid_from = ?",
        PROBATIONARY,
        day.isoformat(),
    )
    assert statuses == [("official",)]


def test_member_status_names_the_status_in_the_operators_language(chibo: Chibo) -> None:
    result = chibo("member", "status", PROBATIONARY, "official", "--from", "01/01/2027")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == said(
        "%(name)s is %(status)s from %(date)s.",
        name=PROBATIONARY_NAME,
        status=vi(STATUS_NAMES["official"]),
        date="01/01/2027",
    )


def test_member_exempt_prints_the_exemption(chibo: Chibo) -> None:
    result = chibo(
        "member", "exempt", MEMBER, "--from", "01/12/2026", "--to", "31/12/2026", "--reason", "Ốm dài ngày"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == said(
        "%(name)s is exempt from %(date)s.", name=MEMBER_NAME, date="01/12/2026"
    )
    rows = chibo.rows(
        "SELECT valid_from, valid_to, reason FROM exemption JOIN person ON person.id = person_id "
        "WHERE card_number = ?",
        MEMBER,
    )
    assert rows == [("2026-12-01", "2026-12-31", "Ốm dài ngày")]


def test_member_end_prints_the_end_of_membership(chibo: Chibo) -> None:
    day = today() + timedelta(days=10)
    result = chibo("member", "end", MEMBER, "--on", day.strftime("%d/%m/%Y"), "--reason", "Chuyển sinh hoạt")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == said(
        "%(name)s's membership ends on %(date)s.", name=MEMBER_NAME, date=day.strftime("%d/%m/%Y")
    )
    rows = chibo.rows(
        "SELECT valid_to, end_reason FROM membership JOIN person ON person.id = person_id "
        "WHERE card_number = ?",
        MEMBER,
    )
    # Leaving on that day: the last day in the cell is the day before.
    assert rows == [((day - timedelta(days=1)).isoformat(), "Chuyển sinh hoạt")]


def test_a_bad_reference_exits_1_with_one_polite_line(chibo: Chibo) -> None:
    result = chibo("invite", "99999")
    assert result.returncode == 1
    line = assert_one_polite_line(result)
    assert line == "chibo: " + said("No person with id or card number %(ref)s.", ref="99999")
    assert chibo.rows("SELECT count(*) FROM invite_code") == [(0,)]


@pytest.fixture
def bad_members_file(tmp_path: Path) -> Path:
    lines = (SAMPLES / "members_thon3.csv").read_text(encoding="utf-8-sig").splitlines()
    lines.append("Lò Văn Mới,31/02/1980,93.999999,chính thức,đảng viên,,")
    path = tmp_path / "more_members.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_importing_a_file_with_a_bad_row_exits_1_and_imports_nothing(
    chibo: Chibo, bad_members_file: Path
) -> None:
    people = chibo.rows("SELECT count(*) FROM person")
    result = chibo("import", "members", str(bad_members_file), "--cell", CELL)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "21" in result.stderr and "Ngày sinh" in result.stderr
    assert chibo.rows("SELECT count(*) FROM person") == people
