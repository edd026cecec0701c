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
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.clock import NOW_ENV
from bot.config import CONFIG_ENV, TOKEN_ENV
from bot.i18n import translator
from bot.texts import ROLE_NAMES, STATUS_NAMES
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "bot" / "samples"
SECRET = "424242:SECRET-must-never-be-printed"
PROVINCE, COMMUNE, CELL = "Tỉnh Tuyên Quang", "Xã Thái Bình", "Chi bộ thôn 3"
SECRETARY, DEPUTY, COMMITTEE = "93.097948", "93.070679", "93.019904"
MEMBER, MEMBER_NAME = "93.058825", "Nông Thị Lan"  # a plain member of the sample file
PROBATIONARY, PROBATIONARY_NAME = "93.072318", "Hoàng Thị Yến"
# Every command runs on this day (CHIBO_NOW), whatever the real date: the sample cell is imported on it.
NOW_TEXT, TODAY = "26/11/2026 10:00", date(2026, 11, 26)
vi = translator("vi").gettext


# --- running chibo ------------------------------------------------------------------------------


@dataclass
class Chibo:
    """The `chibo` command in a working directory, with CHIBO_CONFIG pointing at a config file."""

    cwd: Path
    config: Path

    def __call__(
        self, *args: str, token: str | None = None, config: bool = True, now: str | None = NOW_TEXT
    ) -> subprocess.CompletedProcess[str]:
        """Run `chibo ARGS` with CHIBO_CONFIG (unless config=False) on the day CHIBO_NOW says."""
        env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, CONFIG_ENV, NOW_ENV, "PYTHONPATH")}
        env.update({"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"})
        if config:
            env[CONFIG_ENV] = str(self.config)
        if now is not None:
            env[NOW_ENV] = now
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


@dataclass
class Ran:
    """What `bot.cli.main` returned and printed, run in this process."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `chibo ARGS` in this process (faster than a subprocess), on the day CHIBO_NOW says."""
    for name in (TOKEN_ENV, CONFIG_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(NOW_ENV, NOW_TEXT)

    def run(*args: str) -> Ran:
        code = main(list(args))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


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
    day = TODAY
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


def test_member_exempt_prints_the_exemption_with_its_end_date(chibo: Chibo) -> None:
    result = chibo(
        "member", "exempt", MEMBER, "--from", "01/12/2026", "--to", "31/12/2026", "--reason", "Ốm dài ngày"
    )
    assert result.returncode == 0, result.stderr
    period = said("from %(start)s to %(end)s", start="01/12/2026", end="31/12/2026")
    assert result.stdout.strip() == said("%(name)s is exempt %(period)s.", name=MEMBER_NAME, period=period)
    rows = chibo.rows(
        "SELECT valid_from, valid_to, reason FROM exemption JOIN person ON person.id = person_id "
        "WHERE card_number = ?",
        MEMBER,
    )
    assert rows == [("2026-12-01", "2026-12-31", "Ốm dài ngày")]


def test_member_end_prints_the_end_of_membership(chibo: Chibo) -> None:
    day = TODAY + timedelta(days=10)
    result = chibo("member", "end", MEMBER, "--on", day.strftime("%d/%m/%Y"), "--reason", "Chuyển sinh hoạt")
    assert result.returncode == 0, result.stderr
    last = day - timedelta(days=1)
    assert result.stdout.strip() == said(
        "%(name)s leaves %(cell)s on %(date)s; their last day there is %(last)s.",
        name=MEMBER_NAME,
        cell=CELL,
        date=day.strftime("%d/%m/%Y"),
        last=last.strftime("%d/%m/%Y"),
    )
    rows = chibo.rows(
        "SELECT valid_to, end_reason FROM membership JOIN person ON person.id = person_id "
        "WHERE card_number = ?",
        MEMBER,
    )
    # Leaving on that day: the last day in the cell is the day before.
    assert rows == [(last.isoformat(), "Chuyển sinh hoạt")]


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


# --- one clock --------------------------------------------------------------------------------------


def test_now_dates_what_an_admin_command_does(chibo: Chibo) -> None:
    result = chibo("--now", "01/03/2027 09:00", "role", "grant", MEMBER, "committee_member", "--cell", CELL)
    assert result.returncode == 0, result.stderr
    rows = chibo.rows("SELECT valid_from FROM role_assignment WHERE role = 'committee_member' ORDER BY id")
    assert rows[-1] == ("2027-03-01",)
    (at,) = chibo.rows("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert at.startswith("2027-03-01 02:00")  # 09:00 in Hanoi


def test_chibo_now_in_the_environment_sets_the_day_too(chibo: Chibo) -> None:
    result = chibo("role", "grant", MEMBER, "committee_member", "--cell", CELL, now="2027-03-01T09:00+07:00")
    assert result.returncode == 0, result.stderr
    assert chibo.rows("SELECT max(valid_from) FROM role_assignment") == [("2027-03-01",)]


def test_a_bad_now_is_one_polite_line(chibo: Chibo) -> None:
    result = chibo("--now", "31/02/2027 09:00", "member", "list", "--cell", CELL)
    assert result.returncode == 1
    assert assert_one_polite_line(result) == "chibo: " + said(
        "%(value)s: no such date or time.", value="31/02/2027 09:00"
    )


# --- databases that cannot be used ----------------------------------------------------------------

NOBODY_THERE = "postgresql+asyncpg://chibo:secret-pw@127.0.0.1:1/chibo"


@pytest.mark.parametrize(
    "args",
    [("db", "upgrade"), ("run",), ("member", "list", "--cell", CELL), ("unit", "add", PROVINCE)],
    ids=["db upgrade", "run", "member list", "unit add"],
)
def test_a_database_server_that_does_not_answer_is_one_line_naming_it(
    tmp_path: Path, args: tuple[str]
) -> None:
    chibo = chibo_in(tmp_path, f'[database]\nurl = "{NOBODY_THERE}"\n')
    result = chibo(*args, token=SECRET)
    line = assert_one_polite_line(result, "127.0.0.1:1")
    assert result.returncode == 3
    assert "secret-pw" not in line and "postgresql+asyncpg://chibo:***@127.0.0.1:1/chibo" in line
    assert line == "chibo: " + said(
        "Cannot use the database %(database)s: %(reason)s.",
        database="postgresql+asyncpg://chibo:***@127.0.0.1:1/chibo",
        reason=said(
            "nothing answers at %(host)s:%(port)s; is PostgreSQL running there?", host="127.0.0.1", port=1
        ),
    )


@pytest.mark.skipif(not POSTGRES_URL, reason="CHIBO_TEST_POSTGRES_URL is not set; .ci/run sets it")
def test_a_missing_postgres_database_is_one_line_naming_it(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/chibo_no_such_database"
    result = chibo_in(tmp_path, f'[database]\nurl = "{url}"\n')("member", "list", "--cell", CELL)
    assert_one_polite_line(
        result,
        said(
            "the database %(name)s does not exist on that server (createdb %(name)s)",
            name="chibo_no_such_database",
        ),
    )


def test_a_sqlite_file_in_a_missing_folder_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    chibo = chibo_in(tmp_path, f'[database]\nurl = "sqlite+aiosqlite:///{missing}/chibo.db"\n')
    result = chibo("unit", "add", PROVINCE)
    assert_one_polite_line(result, said("the folder %(folder)s does not exist", folder=missing))
    assert not missing.exists()


# --- no config file -------------------------------------------------------------------------------


def test_without_a_config_file_chibo_says_which_config_and_database_it_uses(tmp_path: Path) -> None:
    result = chibo_in(tmp_path)("unit", "add", PROVINCE, config=False)
    assert result.returncode == 0, result.stderr
    note = said(
        "no config file (--config, $%(env)s or ./config.toml); using the defaults, with the database "
        "%(database)s.",
        env=CONFIG_ENV,
        database=tmp_path / "chibo.db",
    )
    assert result.stderr == f"chibo: {note}\n"


NOT_SET_UP = (
    "There is no database at %(database)s yet: nothing is set up there. Start with chibo unit add, or name "
    "the right config with --config."
)


@pytest.mark.parametrize(
    "args",
    [
        ("member", "list", "--cell", CELL),
        ("outbox", "status"),
        ("cell", "add", CELL, "--unit", COMMUNE),
        ("import", "members", str(SAMPLES / "members_thon3.csv"), "--cell", CELL),
    ],
    ids=["member list", "outbox status", "cell add", "import"],
)
def test_only_the_first_step_of_a_setup_creates_a_database(tmp_path: Path, args: tuple[str]) -> None:
    result = chibo_in(tmp_path)(*args, config=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "chibo: " + said(NOT_SET_UP, database=tmp_path / "chibo.db")
    assert "Traceback" not in result.stderr
    assert list(tmp_path.glob("chibo.db*")) == []


@pytest.mark.parametrize(
    "args", [("outbox", "status"), ("cell", "add", CELL, "--unit", COMMUNE)], ids=["outbox", "cell"]
)
def test_no_command_but_unit_add_creates_tables_in_an_empty_database(
    tmp_path: Path, cli: Any, args: tuple[str]
) -> None:
    chibo = chibo_in(tmp_path)
    sqlite3.connect(chibo.db).close()  # an empty file
    ran = cli("--config", str(chibo.config), *args)
    assert ran.code == 1
    empty = said("The database %(database)s is empty: nothing is set up yet.", database=chibo.db)
    assert ran.err == f"chibo: {empty}\n"
    assert chibo.rows("SELECT name FROM sqlite_master") == []


# --- dates before the import day ------------------------------------------------------------------


def test_a_status_dated_before_the_import_day_takes_effect_and_says_so(chibo: Chibo, cli: Any) -> None:
    ran = cli(
        "--config", str(chibo.config), "member", "status", PROBATIONARY, "official", "--from", "01/11/2026"
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        said(
            "%(name)s is %(status)s from %(date)s.",
            name=PROBATIONARY_NAME,
            status=vi(STATUS_NAMES["official"]),
            date="01/11/2026",
        ),
        said("This replaces the status imported on %(date)s, whose start was not known.", date="26/11/2026"),
    ]
    listed = cli("--config", str(chibo.config), "member", "list", "--cell", CELL)
    line = next(line for line in listed.out.splitlines() if PROBATIONARY in line)
    assert vi(STATUS_NAMES["official"]) in line


def test_a_status_that_a_later_recorded_change_overrides_says_until_when(chibo: Chibo, cli: Any) -> None:
    config = str(chibo.config)
    assert (
        cli("--config", config, "member", "status", MEMBER, "probationary", "--from", "01/01/2027").code == 0
    )
    ran = cli("--config", config, "member", "status", MEMBER, "official", "--from", "01/12/2026")
    assert ran.code == 0, ran.err
    assert ran.out.strip() == said(
        "%(name)s is %(status)s from %(date)s until %(until)s; from %(next)s the recorded status "
        "is %(then)s.",
        name=MEMBER_NAME,
        status=vi(STATUS_NAMES["official"]),
        date="01/12/2026",
        until="31/12/2026",
        next="01/01/2027",
        then=vi(STATUS_NAMES["probationary"]),
    )


def test_ending_a_membership_before_the_import_day_ends_it_and_says_when(chibo: Chibo) -> None:
    result = chibo("member", "end", MEMBER, "--on", "20/11/2026", "--reason", "Chuyển sinh hoạt")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == said(
        "%(name)s leaves %(cell)s on %(date)s; their last day there is %(last)s.",
        name=MEMBER_NAME,
        cell=CELL,
        date="20/11/2026",
        last="19/11/2026",
    )
    listed = chibo("member", "list", "--cell", CELL)
    assert MEMBER not in listed.stdout and listed.stdout.startswith(
        said("%(cell)s: %(count)s members", cell=CELL, count=18)
    )


# --- cells and units by name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [unicodedata.normalize("NFD", CELL), CELL.upper(), "chi bo thon 3"],
    ids=["decomposed", "upper case", "no diacritics"],
)
def test_a_cell_is_found_however_its_name_is_typed(chibo: Chibo, cli: Any, typed: str) -> None:
    ran = cli("--config", str(chibo.config), "member", "list", "--cell", typed)
    assert ran.code == 0, ran.err
    assert ran.out.startswith(said("%(cell)s: %(count)s members", cell=CELL, count=19))


def test_an_unknown_cell_suggests_the_closest_names(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "member", "list", "--cell", "Chi bộ thôn 8")
    assert ran.code == 1
    assert (
        ran.err
        == "chibo: "
        + said("No cell %(ref)s. Did you mean: %(names)s?", ref="Chi bộ thôn 8", names=CELL)
        + "\n"
    )


def test_a_unit_is_found_without_diacritics(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "cell", "add", "Chi bộ thôn 5", "--unit", "xa thai binh")
    assert ran.code == 0, ran.err
    assert chibo.rows(
        "SELECT unit.name FROM cell JOIN unit ON unit.id = unit_id WHERE cell.name = ?", "Chi bộ thôn 5"
    ) == [(COMMUNE,)]


# --- exemptions -----------------------------------------------------------------------------------


def test_a_second_exemption_changes_the_first_and_says_so(chibo: Chibo, cli: Any) -> None:
    config = str(chibo.config)
    assert (
        cli("--config", config, "member", "exempt", MEMBER, "--from", "01/12/2026", "--reason", "Ốm").code
        == 0
    )
    ran = cli(
        "--config",
        config,
        "member",
        "exempt",
        MEMBER,
        "--from",
        "01/12/2026",
        "--to",
        "31/01/2027",
        "--reason",
        "Ốm",
    )
    assert ran.code == 0, ran.err
    assert ran.out.strip() == said(
        "The exemption of %(name)s (%(before)s) is changed: now %(period)s.",
        name=MEMBER_NAME,
        before=said("from %(start)s, with no end date", start="01/12/2026"),
        period=said("from %(start)s to %(end)s", start="01/12/2026", end="31/01/2027"),
    )
    rows = chibo.rows(
        "SELECT valid_from, valid_to FROM exemption JOIN person ON person.id = person_id "
        "WHERE card_number = ?",
        MEMBER,
    )
    assert rows == [("2026-12-01", "2027-01-31")]


# --- imports --------------------------------------------------------------------------------------


def test_households_imported_before_their_members_are_one_line(tmp_path: Path) -> None:
    chibo = chibo_in(tmp_path)
    for args in (("unit", "add", COMMUNE), ("cell", "add", CELL, "--unit", COMMUNE)):
        assert chibo(*args).returncode == 0
    result = chibo("import", "households", str(SAMPLES / "households_thon3.csv"), "--cell", CELL)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 2
    assert (
        said(
            "%(count)s rows (%(rows)s) name members who are not in this cell; import the members first",
            count=190,
            rows="2, 3, 4, 5, 6, …",
        )
        in result.stderr
    )


def test_an_import_prints_what_the_organiser_should_check(chibo: Chibo, cli: Any) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Họ tên", "Ngày sinh", "Số thẻ đảng", "Loại"])
    sheet.append(["Nông Thị Lan", "17/07/1962", 93.058825, "chính thức"])  # a card Excel keeps as a number
    sheet.append(["Lò Văn Mới", "02/02/1980", 93.05837, "chính thức"])
    workbook.save(path := chibo.cwd / "members.xlsx")
    ran = cli("--config", str(chibo.config), "import", "members", str(path), "--cell", CELL)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[1:] == [
        said("Please check:"),
        "  "
        + said(
            "Row %(row)s, column %(column)s: %(reason)s",
            row=3,
            column="Số thẻ đảng",
            reason=said(
                "the spreadsheet stored the card as the number %(number)s; it was read as %(card)s",
                number="93.05837",
                card="93.058370",
            ),
        ),
    ]


# --- the member list ------------------------------------------------------------------------------


def test_member_list_numbers_rows_from_one_in_vietnamese_order(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "member", "list", "--cell", CELL)
    lines = ran.out.splitlines()[1:]
    assert [line.split(". ", 1)[0] for line in lines] == [str(n) for n in range(1, 20)]
    names = [line.split(". ", 1)[1].split(" · ")[0] for line in lines]
    assert names[:3] == ["Dương Thị Ngọc Ánh", "Trần Văn Bình", "Ma Văn Cường"]
    assert names[-1] == "Hoàng Thị Yến"


# --- one language per run -------------------------------------------------------------------------

ARGPARSE_ENGLISH = ("usage:", "show this help message", "positional arguments", "options:", "error:")


def test_help_speaks_the_language_of_the_config(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "--help")
    assert ran.code == 0
    assert ran.out.startswith(vi("usage: ")) and vi("show this help message and exit") in ran.out
    assert not [word for word in ARGPARSE_ENGLISH if word in ran.out]


def test_help_follows_the_default_language_of_the_config(tmp_path: Path, cli: Any) -> None:
    chibo = chibo_in(tmp_path, 'default_language = "en"\n')
    assert cli("--config", str(chibo.config), "member", "--help").out.startswith("usage: chibo member")


def test_lang_en_makes_the_whole_run_english(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "--lang", "en", "member", "list", "--cell", CELL)
    assert ran.out.startswith(f"{CELL}: 19 members\n")
    assert "official" in ran.out and vi("official") not in ran.out


def test_a_missing_subcommand_names_the_choices_not_an_internal_name(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "member")
    assert ran.code == 2
    message = vi("the following arguments are required: %s") % "{list,status,exempt,end}"
    assert ran.err.splitlines()[-1] == vi("%(prog)s: error: %(message)s\n").rstrip("\n") % {
        "prog": "chibo member",
        "message": message,
    }
    assert ": sub" not in ran.err and "member_command" not in ran.err


def test_an_impossible_date_is_no_such_date_in_the_operators_language(chibo: Chibo, cli: Any) -> None:
    ran = cli("--config", str(chibo.config), "member", "status", MEMBER, "official", "--from", "31/02/2026")
    assert ran.code == 2
    assert said("%(value)s: no such date.", value="31/02/2026") in ran.err
    assert "dd/mm/yyyy" not in ran.err.splitlines()[-1]


def test_a_config_error_is_in_the_operators_language(tmp_path: Path, cli: Any) -> None:
    chibo = chibo_in(tmp_path, '[delivery]\nsenders = "4"\n')
    ran = cli("--config", str(chibo.config), "unit", "add", PROVINCE)
    assert ran.code == 2
    assert (
        ran.err
        == f"chibo: {vi('config error')}: {chibo.config}: delivery.senders: "
        + vi("expected a whole number, written without quotes")
        + "\n"
    )


def test_outbox_status_headings_are_in_the_operators_language(chibo: Chibo, cli: Any) -> None:
    config = str(chibo.config)
    # One linked member, so an announcement can be queued.
    with contextlib.closing(sqlite3.connect(chibo.db)) as connection, connection:
        connection.execute(
            "INSERT INTO chat_identity (platform, external_id, person_id, linked_at) "
            "SELECT 'telegram', '777', id, '2026-11-26 03:00:00' FROM person WHERE card_number = ?",
            (SECRETARY,),
        )
    assert cli("--config", config, "announce", "--cell", CELL, "Họp chi bộ").code == 0
    ran = cli("--config", config, "outbox", "status")
    header, row = ran.out.splitlines()
    assert header.split() == [
        vi("purpose"),
        *vi("waiting").split(),
        *vi("sending").split(),
        *vi("sent").split(),
        vi("failed"),
        *vi("unreachable").split(),
    ]
    assert row.split()[-5:] == ["1", "0", "0", "0", "18"]


def test_the_date_options_help_gives_the_format(cli: Any) -> None:
    ran = cli("--lang", "en", "member", "exempt", "--help")
    assert ran.out.count("(dd/mm/yyyy)") == 2


def test_import_members_help_lists_the_columns_it_reads(cli: Any) -> None:
    ran = cli("--lang", "en", "import", "members", "--help")
    for header in ("Họ tên", "Ngày sinh", "Số thẻ đảng", "Loại", "Chức vụ", "Điện thoại", "Miễn sinh hoạt"):
        assert f"  {header} (" in ran.out


# --- announcements --------------------------------------------------------------------------------


def test_an_announcement_nobody_can_receive_is_refused_and_nothing_is_queued(chibo: Chibo) -> None:
    result = chibo("announce", "--cell", CELL, "Kính mời dự sinh hoạt chi bộ")
    assert result.returncode == 1
    line = assert_one_polite_line(result)
    assert said_pattern(
        "Nobody can receive this announcement: none of its %(count)s recipients has linked a chat account "
        "the bot can reach. Nothing was queued; send them invites first (chibo invite).",
        count=19,
    ).search(line)
    assert chibo.rows("SELECT count(*) FROM outbox") == [(0,)]
    assert chibo.rows("SELECT count(*) FROM announcement") == [(0,)]


# --- options and settings -------------------------------------------------------------------------


def test_the_config_option_may_follow_the_subcommand(chibo: Chibo) -> None:
    result = chibo("member", "list", "--cell", CELL, "--config", str(chibo.config), config=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_run_accepts_the_config_option_after_it(tmp_path: Path) -> None:
    chibo = Chibo(tmp_path, tmp_path / "nowhere.toml")
    result = chibo("run", "--config", str(chibo.config), token=SECRET, config=False)
    assert_one_polite_line(result, str(chibo.config))


def test_an_unreachable_bot_api_at_start_is_a_connection_problem(tmp_path: Path) -> None:
    folder = tmp_path
    toml = (
        f'[database]\nurl = "sqlite+aiosqlite:///{(folder / "chibo.db").as_posix()}"\n'
        '[telegram]\nbase_url = "http://127.0.0.1:9/bot"\n'
    )
    result = chibo_in(folder, toml)("run", token=SECRET)
    line = assert_one_polite_line(result, "http://127.0.0.1:9/bot")
    assert result.returncode == 3
    assert vi("config error") not in line and said_pattern(
        "Cannot reach the Telegram Bot API at %(url)s: %(reason)s. Check the network connection.",
        url="http://127.0.0.1:9/bot",
    ).search(line)


def test_an_announcement_longer_than_one_message_is_refused_at_input_saying_by_how_much(chibo: Chibo) -> None:
    text = "*Thông báo*\n" + "Kính mời các đồng chí dự sinh hoạt chi bộ.\n" * 105  # the stars are markup
    result = chibo("announce", "--cell", CELL, text)
    assert result.returncode == 1
    line = assert_one_polite_line(result)
    visible = len(text) - len("**")
    assert (
        said(
            "The message is %(length)s characters long; at most %(max)s (%(over)s too many).",
            length=visible,
            max=4096,
            over=visible - 4096,
        )
        in line
    )
    assert chibo.rows("SELECT count(*) FROM outbox") == [(0,)]
    assert chibo.rows("SELECT count(*) FROM announcement") == [(0,)]


# --- meetings ---------------------------------------------------------------------------------------


def test_meeting_add_plans_a_meeting_and_queues_its_notice(chibo: Chibo) -> None:
    result = chibo(
        "--now",
        "26/11/2026 09:00",
        "meeting",
        "add",
        "--cell",
        CELL,
        "--at",
        "19:30 05/12/2026",
        "--place",
        "Nhà văn hóa thôn 3",
        "--agenda",
        "Kiểm điểm tháng 11",
        "--agenda",
        "Nhiệm vụ tháng 12",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        said(
            "Meeting #%(id)s of %(cell)s at %(when)s is planned; the notice is queued for %(count)s members.",
            id=1,
            cell=CELL,
            when="19:30 05/12/2026",
            count=chibo.rows("SELECT count(*) FROM attendance WHERE exempt = 0")[0][0],
        )
    )
    assert chibo.rows("SELECT kind, month, place FROM meeting") == [
        ("regular", "2026-12-01", "Nhà văn hóa thôn 3")
    ]
    assert chibo.rows("SELECT title FROM agenda_item ORDER BY position") == [
        ("Kiểm điểm tháng 11",),
        ("Nhiệm vụ tháng 12",),
    ]
    assert chibo.rows("SELECT count(*) FROM outbox WHERE purpose = 'meeting'")[0][0] > 0
    listed = chibo("--now", "26/11/2026 09:00", "meeting", "list", "--cell", CELL)
    assert listed.returncode == 0 and "#1  19:30 05/12/2026  12/2026" in listed.stdout


def test_a_second_regular_meeting_for_the_same_month_is_one_polite_line(chibo: Chibo) -> None:
    first = ("meeting", "add", "--cell", CELL, "--at", "19:30 05/01/2027", "--place", "Nhà văn hóa")
    assert chibo("--now", "26/11/2026 09:00", *first).returncode == 0
    # Moved for Tết into February, still for January: refused, January has its regular meeting.
    again = chibo(
        "--now",
        "26/11/2026 09:00",
        "meeting",
        "add",
        "--cell",
        CELL,
        "--at",
        "19:30 12/02/2027",
        "--month",
        "01/2027",
        "--place",
        "Nhà văn hóa",
    )
    assert_one_polite_line(again, "01/2027")
    assert chibo.rows("SELECT count(*) FROM meeting") == [(1,)]


def test_meeting_add_with_an_impossible_date_is_one_polite_line(chibo: Chibo) -> None:
    result = chibo(
        "--now",
        "26/11/2026 09:00",
        "meeting",
        "add",
        "--cell",
        CELL,
        "--at",
        "31/13/2026 19:30",
        "--place",
        "x",
    )
    assert_one_polite_line(result)
    assert chibo.rows("SELECT count(*) FROM meeting") == [(0,)]


# --- schedules --------------------------------------------------------------------------------------


def test_schedule_set_for_a_unit_plans_its_cells_meetings_and_show_lists_them(chibo: Chibo) -> None:
    result = chibo("schedule", "set", "--unit", COMMUNE, "monthly", "5", "19:30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        said("Saved: %(rule)s. Cells following it: %(count)s.", rule="ngày 5 hằng tháng, lúc 19:30", count=1)
    )
    assert chibo.rows("SELECT kind, month, scheduled FROM meeting") == [("regular", "2026-12-01", 1)]
    assert chibo.rows("SELECT unit_id IS NOT NULL, day, notice_minutes FROM meeting_rule") == [
        (1, 5, 14 * 1440)
    ]
    assert chibo.rows("SELECT action FROM audit_log WHERE action = 'schedule.set'") == [("schedule.set",)]
    shown = chibo("schedule", "show", "--cell", CELL)
    assert shown.returncode == 0, shown.stderr
    assert CELL in shown.stdout and "19:30 05/12/2026" in shown.stdout and COMMUNE in shown.stdout


def test_schedule_set_with_a_bad_time_is_one_polite_line_and_changes_nothing(chibo: Chibo) -> None:
    result = chibo("schedule", "set", "--cell", CELL, "monthly", "5", "25:00")
    assert_one_polite_line(result, "25:00")
    assert chibo.rows("SELECT count(*) FROM meeting_rule") == [(0,)]
    assert chibo.rows("SELECT count(*) FROM meeting") == [(0,)]


# --- reports ----------------------------------------------------------------------------------------


def _visit(chibo: Chibo, day: str, request: str | None, follow_up: str | None = None) -> tuple[str, str]:
    """Write one visit straight into the database (to a household and its member), as /visit would."""
    household, person, head = chibo.rows(
        "SELECT h.id, a.person_id, h.head_name FROM household h JOIN household_assignment a "
        "ON a.household_id = h.id ORDER BY h.id LIMIT 1 OFFSET ?",
        len(chibo.rows("SELECT id FROM visit")),
    )[0]
    with contextlib.closing(sqlite3.connect(chibo.db)) as connection:
        connection.execute(
            "INSERT INTO visit (household_id, cell_id, person_id, visited_on, topics, request, "
            "follow_up_due, created_at) VALUES (?, 1, ?, ?, '[]', ?, ?, '2026-11-26 03:00:00.000000')",
            (household, person, day, request, follow_up),
        )
        connection.commit()
    [(name,)] = chibo.rows("SELECT full_name FROM person WHERE id = ?", person)
    return head, name


def test_report_requests_writes_the_residents_requests_of_the_period_to_xlsx(chibo: Chibo) -> None:
    from openpyxl import load_workbook

    before = _visit(chibo, "2026-06-30", "Trước kỳ báo cáo")
    first = _visit(chibo, "2026-07-01", "Đề nghị sửa đường vào xóm", "2026-07-15")
    _visit(chibo, "2026-08-02", None)  # a visit with no request is not in the report
    last = _visit(chibo, "2026-12-31", "Xin hỗ trợ làm nhà 🏠")
    result = chibo(
        "report",
        "requests",
        "--cell",
        CELL,
        "--from",
        "01/07/2026",
        "--to",
        "31/12/2026",
        "--output",
        "r.xlsx",
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.strip() == said(
        "%(count)s residents' requests of %(cell)s from %(since)s to %(until)s written to %(file)s",
        count=2,
        cell=CELL,
        since="01/07/2026",
        until="31/12/2026",
        file="r.xlsx",
    )
    sheet = load_workbook(chibo.cwd / "r.xlsx").active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1] == [
        vi(t)
        for t in (
            "Day",
            "Head of household",
            "Address",
            "Village or group",
            "Member",
            "Request",
            "Follow up by",
            "Closed",
        )
    ]
    assert [(r[0], r[1], r[4], r[5], r[6], r[7]) for r in rows[2:]] == [
        ("01/07/2026", first[0], first[1], "Đề nghị sửa đường vào xóm", "15/07/2026", vi("no")),
        ("31/12/2026", last[0], last[1], "Xin hỗ trợ làm nhà 🏠", None, None),
    ]
    assert before[0] not in str(rows)
    assert sheet.freeze_panes == "A3"


def test_report_requests_with_the_days_reversed_is_one_polite_line(chibo: Chibo) -> None:
    result = chibo("report", "requests", "--cell", CELL, "--from", "31/12/2026", "--to", "01/07/2026")
    assert_one_polite_line(result, said("The last day comes before the first day."))
    assert not list(chibo.cwd.glob("*.xlsx"))


def _held_meeting(chibo: Chibo) -> None:
    """December's meeting planned with `chibo meeting add`, then held: opened, everyone present, closed."""
    planned = chibo(
        "--now", "26/11/2026 09:00", "meeting", "add", "--cell", CELL, "--at", "19:30 05/12/2026",
        "--place", "Nhà văn hóa thôn 3", "--agenda", "Kiểm điểm tháng 11",
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    with contextlib.closing(sqlite3.connect(chibo.db)) as connection:
        connection.execute(
            "UPDATE meeting SET opened_at = '2026-12-05 12:30:00.000000', "
            "closed_at = '2026-12-05 14:10:00.000000'"
        )
        connection.execute(
            "UPDATE attendance SET checked_in_at = '2026-12-05 12:31:00.000000', "
            "final = CASE WHEN exempt = 1 THEN 'exempt' ELSE 'present' END"
        )
        connection.commit()


def test_summary_prints_the_meeting_and_writes_its_minutes_and_workbook(chibo: Chibo) -> None:
    import docx
    from openpyxl import load_workbook

    _held_meeting(chibo)
    result = chibo(
        "--now", "06/12/2026 09:00", "summary", "--cell", CELL, "--month", "12/2026", "--output", "bb"
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith(vi("Summary of the meeting") + "\n")
    assert vi("Present: %(count)s of %(expected)s") % {"count": 18, "expected": 18} in result.stdout
    written = sorted(p.name for p in (chibo.cwd / "bb").iterdir())
    assert written == ["bien-ban-chi-bo-thon-3-12-2026-1.docx", "so-lieu-chi-bo-thon-3-12-2026-1.xlsx"]
    assert all(said("Written: %(file)s", file=f"bb/{name}") in result.stdout for name in written)
    minutes = docx.Document(str(chibo.cwd / "bb" / written[0]))
    assert any("Nhà văn hóa thôn 3" in p.text for p in minutes.paragraphs)
    sheets = load_workbook(chibo.cwd / "bb" / written[1]).sheetnames
    assert len(sheets) == 4, "attendance, contributions, tasks, visits (no chart before three meetings)"


def test_summary_of_a_month_without_a_meeting_or_of_another_cells_meeting_is_one_polite_line(
    chibo: Chibo,
) -> None:
    result = chibo("summary", "--cell", CELL, "--month", "10/2026", "--output", "bb")
    assert_one_polite_line(result, said("%(cell)s has no meeting to summarise for that.", cell=CELL))
    result = chibo("summary", "--cell", CELL, "--meeting", "99", "--output", "bb")
    assert_one_polite_line(result, said("%(cell)s has no meeting #%(id)s.", cell=CELL, id=99))
    assert not (chibo.cwd / "bb").exists()
