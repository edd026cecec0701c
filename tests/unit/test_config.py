"""Loading the TOML config (bot.config): defaults, the token from the environment, one-line errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import CONFIG_ENV, TOKEN_ENV, Config, ConfigError, config_path, load_config, peek_language
from bot.i18n import translator
from bot.meetings.rules import Rules

SECRET = "123456:SECRET-from-the-file"
ENV_SECRET = "654321:SECRET-from-the-environment"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token or config path leaks in from the developer's shell."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def write_config(tmp_path: Path, toml: str, name: str = "chibo.toml") -> Path:
    path = tmp_path / name
    path.write_text(toml, encoding="utf-8")
    return path


def config_error(path: Path | None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


# --- defaults and the token ---------------------------------------------------------------------


def test_without_a_file_every_setting_has_its_default() -> None:
    config = load_config(None)
    assert config == Config()
    assert (config.timezone, config.default_language, config.invite_valid_days) == (
        "Asia/Ho_Chi_Minh",
        "vi",
        7,
    )
    assert config.database.url == "sqlite+aiosqlite:///chibo.db"
    assert config.telegram.token is None
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert str(config.tz) == "Asia/Ho_Chi_Minh"


def test_a_file_overrides_only_the_settings_it_names(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'default_language = "en"\n[delivery]\nsenders = 2\n')
    config = load_config(path)
    assert (config.default_language, config.delivery.senders) == ("en", 2)
    assert config.delivery.max_attempts == Config().delivery.max_attempts
    assert config.timezone == "Asia/Ho_Chi_Minh"


def test_the_meeting_figures_reach_the_rules_as_configured(tmp_path: Path) -> None:
    assert Config().meetings.rules() == Rules()  # the defaults are the guides' figures, in one place
    path = write_config(
        tmp_path, "[meetings]\ngrace_hours = 1.5\nlate_after_minutes = 10\ncharter_flag_months = 4\n"
    )
    rules = load_config(path).meetings.rules()
    assert (rules.grace, rules.late_after) == (timedelta(hours=1.5), timedelta(minutes=10))
    assert (rules.charter_warn, rules.charter_flag, rules.minimum_minutes) == (2, 4, 90)


def test_the_token_from_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ENV_SECRET)
    config = load_config(write_config(tmp_path, f'[telegram]\ntoken = "{SECRET}"\n'))
    assert config.token() == ENV_SECRET


def test_the_token_from_the_environment_is_used_without_a_telegram_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ENV_SECRET)
    assert load_config(write_config(tmp_path, 'timezone = "Asia/Bangkok"\n')).token() == ENV_SECRET


def test_the_token_from_the_file_is_used_when_the_environment_has_none(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, f'[telegram]\ntoken = "{SECRET}"\n')).token() == SECRET


def test_an_empty_environment_token_does_not_hide_the_files_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "")
    assert load_config(write_config(tmp_path, f'[telegram]\ntoken = "{SECRET}"\n')).token() == SECRET


def test_the_token_is_returned_without_surrounding_spaces() -> None:
    config = Config.model_validate({"telegram": {"token": f"  {SECRET}\n"}})
    assert config.token() == SECRET


@pytest.mark.parametrize("token", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_asking_for_a_missing_token_raises_a_config_error_naming_where_to_put_it(token: str | None) -> None:
    config = Config.model_validate({"telegram": {"token": token}})
    with pytest.raises(ConfigError) as info:
        config.token()
    assert "telegram.token" in str(info.value) and TOKEN_ENV in str(info.value)


def test_the_token_is_hidden_when_the_config_is_printed(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, f'[telegram]\ntoken = "{SECRET}"\n'))
    assert SECRET not in repr(config) and SECRET not in str(config)
    assert SECRET not in config.model_dump_json()


# --- errors -------------------------------------------------------------------------------------


BROKEN = {
    "unknown key": (f'[telegram]\ntoken = "{SECRET}"\ntokne = "{SECRET}"\n', "telegram.tokne"),
    "bad timezone": (f'timezone = "Mars/Olympus"\n[telegram]\ntoken = "{SECRET}"\n', "timezone"),
    "bad database url": (f'[database]\nurl = "mysql://u:{SECRET}@h/db"\n', "database.url"),
    "token of the wrong type": (f'[telegram]\ntoken = ["{SECRET}"]\n', "telegram.token"),
    "bad number": (f'[telegram]\ntoken = "{SECRET}"\npoll_timeout = -1\n', "telegram.poll_timeout"),
    "bad language": (f'default_language = "{SECRET}"\n', "default_language"),
    "bad meeting figure": ("[meetings]\ncharter_warn_months = 0\n", "meetings.charter_warn_months"),
    "unterminated token": (f'[telegram]\ntoken = "{SECRET}\n', "not valid TOML"),
    "unquoted token": (f"[telegram]\ntoken = {SECRET}\n", "not valid TOML"),
}


@pytest.mark.parametrize(("toml", "names"), list(BROKEN.values()), ids=list(BROKEN))
def test_a_config_error_is_one_line_naming_the_file_and_the_key(
    tmp_path: Path, toml: str, names: str
) -> None:
    path = write_config(tmp_path, toml)
    message = config_error(path)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert names in message


@pytest.mark.parametrize(("toml", "names"), list(BROKEN.values()), ids=list(BROKEN))
def test_a_config_error_never_contains_the_token(tmp_path: Path, toml: str, names: str) -> None:
    message = config_error(write_config(tmp_path, toml))
    assert SECRET not in message
    assert SECRET.split(":")[1] not in message


def test_a_config_error_never_contains_the_environment_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ENV_SECRET)
    message = config_error(write_config(tmp_path, "telegram = 5\n"))
    assert ENV_SECRET not in message and "telegram" in message


def test_a_missing_config_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    assert config_error(path) == f"{path}: file not found"


# --- which file ---------------------------------------------------------------------------------


def test_an_explicit_config_path_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_ENV, "/etc/chibo/env.toml")
    assert config_path("given.toml") == Path("given.toml")


def test_the_environment_names_the_config_file_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_ENV, "/etc/chibo/env.toml")
    assert config_path(None) == Path("/etc/chibo/env.toml")


def test_config_toml_in_the_working_directory_is_used_only_if_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_path(None) is None
    write_config(tmp_path, "", name="config.toml")
    assert config_path(None) == Path("config.toml")


# --- strict types and the operator's language ---------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[delivery]\nsenders = "4"\n', "delivery.senders: expected a whole number, written without quotes"),
        ("[delivery]\nsenders = 4.0\n", "delivery.senders: expected a whole number, written without quotes"),
        (
            '[telegram]\npoll_timeout = "30"\n',
            "telegram.poll_timeout: expected a number, written without quotes",
        ),
        ("invite_valid_days = true\n", "invite_valid_days: expected a whole number, written without quotes"),
        ("timezone = 7\n", "timezone: expected text in quotes"),
        ("delivery = 4\n", "delivery: expected a table such as [telegram]"),
    ],
    ids=[
        "string for int",
        "float for int",
        "string for float",
        "bool for int",
        "int for text",
        "not a table",
    ],
)
def test_a_value_of_the_wrong_type_is_refused_not_converted(tmp_path: Path, toml: str, message: str) -> None:
    path = write_config(tmp_path, toml)
    assert config_error(path) == f"{path}: {message}"


def test_a_whole_number_is_accepted_where_a_number_is_expected(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, "[telegram]\npoll_timeout = 5\n")).telegram.poll_timeout == 5.0


def test_a_limit_is_named_in_the_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[delivery]\nsenders = 0\n")
    assert config_error(path) == f"{path}: delivery.senders: expected a number of at least 1"


def test_a_config_error_is_rendered_in_the_operators_language(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[delivery]\nsenders = "4"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    vietnamese = info.value.render(translator("vi").gettext)
    assert vietnamese == f"{path}: delivery.senders: cần một số nguyên, viết không có dấu nháy"


def test_the_language_is_read_from_a_file_that_is_otherwise_broken(tmp_path: Path) -> None:
    assert (
        peek_language(write_config(tmp_path, 'default_language = "en"\n[delivery]\nsenders = "x"\n')) == "en"
    )
    assert peek_language(write_config(tmp_path, "default_language = [", name="bad.toml")) is None
    assert peek_language(tmp_path / "absent.toml") is None
    assert peek_language(None) is None
