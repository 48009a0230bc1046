"""Settings come from cxjourney.toml, CXJ_* variables win over the file, production refuses the default
secret, and an older cxjourney refuses a workspace whose schema is newer than it knows."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxjourney.config import DEV_SECRET, load_settings
from cxjourney.errors import ConfigError, SchemaVersionError
from cxjourney.storage import SCHEMA_VERSION, connect
from tests.backbone.conftest import run_cli


def test_toml_values_are_read_and_env_vars_override_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cxjourney.toml").write_text('min_sample = 50\nport = 9100\ntimezone = "Europe/Warsaw"\n')
    s = load_settings(tmp_path)
    assert (s.min_sample, s.port, s.timezone) == (50, 9100, "Europe/Warsaw")
    monkeypatch.setenv("CXJ_MIN_SAMPLE", "12")
    monkeypatch.setenv("CXJ_PORT", "9200")
    s = load_settings(tmp_path)
    assert (s.min_sample, s.port, s.timezone) == (12, 9200, "Europe/Warsaw")


def test_a_cxjourney_table_in_the_toml_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "cxjourney.toml").write_text("[cxjourney]\nchurn_window_days = 60\n")
    assert load_settings(tmp_path).churn_window_days == 60


@pytest.mark.parametrize(
    ("toml", "field"),
    [("min_sample = 0\n", "min_sample"), ("unknown_setting = 1\n", "unknown_setting"), ("port = 'http'\n", "port"),
     ("min_sample = \n", "")],
)
def test_bad_settings_are_refused_with_the_field_named(tmp_path: Path, toml: str, field: str) -> None:
    (tmp_path / "cxjourney.toml").write_text(toml)
    with pytest.raises(ConfigError) as exc:
        load_settings(tmp_path)
    assert field in exc.value.message and "cxjourney.toml" in exc.value.message


def test_production_refuses_the_default_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cxjourney.toml").write_text('environment = "production"\n')
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings(tmp_path)
    monkeypatch.setenv("CXJ_SECRET_KEY", "a-real-secret-from-the-environment")
    s = load_settings(tmp_path)
    assert s.environment == "production" and s.secret_key != DEV_SECRET


def test_production_default_secret_stops_the_server_with_a_message(workspace: Path) -> None:
    cfg = workspace / "cxjourney.toml"
    cfg.write_text("\n".join(x for x in cfg.read_text().splitlines() if not x.startswith("secret_key")) + '\nenvironment = "production"\n')
    r = run_cli("serve", "-w", str(workspace), "--port", "1", timeout=60)
    assert r.returncode == 2
    assert "secret_key" in r.stderr and "Traceback" not in r.stderr


def test_init_writes_a_random_secret(workspace: Path) -> None:
    assert load_settings(workspace).secret_key != DEV_SECRET


def test_a_newer_schema_is_refused_by_older_code(workspace: Path) -> None:
    s = load_settings(workspace)
    with connect(s) as st:
        assert st.schema_version() == SCHEMA_VERSION
        st.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    for read_only in (False, True):
        with pytest.raises(SchemaVersionError) as exc:
            connect(s, read_only=read_only)
        assert f"version {SCHEMA_VERSION + 1}" in exc.value.message and "upgrade cxjourney" in exc.value.message
    r = run_cli("summary", "-w", str(workspace))
    assert r.returncode == 2 and "upgrade cxjourney" in r.stderr and "Traceback" not in r.stderr
