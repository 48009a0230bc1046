"""Settings: one class, loaded from a workspace's ``cxjourney.toml`` and ``CXJ_*`` environment variables.

Nothing here runs at import time: call :func:`load_settings` (or build :class:`Settings` yourself) and
pass the object explicitly to whatever needs it (``create_app(settings)``, ``connect(settings)``).
Environment variables override the file; the file overrides the defaults.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from cxjourney.errors import ConfigError

CONFIG_FILE = "cxjourney.toml"
DEV_SECRET = "dev-secret-change-me"


class Settings(BaseSettings):
    """Every setting of a workspace. Each field is documented in ``docs/settings.md``."""

    model_config = SettingsConfigDict(env_prefix="CXJ_", extra="forbid", validate_default=True)

    workspace: Path = Field(default=Path("."), description="Workspace directory (holds cxjourney.toml).")
    environment: Literal["development", "production"] = Field(
        default="development", description="'production' refuses the default secret key."
    )
    database: str = Field(default="cxjourney.duckdb", description="DuckDB file, relative to the workspace.")
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    secret_key: str = Field(default=DEV_SECRET, description="Signs dashboard sessions.")
    language: Literal["en", "pl"] = Field(default="en", description="Default interface language.")
    timezone: str = Field(default="UTC", description="Time zone for day/week/month periods.")
    min_sample: int = Field(default=30, ge=1, description="Below this n a figure is flagged insufficient_sample.")
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0, description="Confidence level of every interval.")
    session_timeout_minutes: int = Field(default=30, ge=1, description="Inactivity that ends a session.")
    churn_window_days: int = Field(default=90, ge=1, description="Inactivity after which a customer counts as churned.")
    survey_fatigue_days: int = Field(default=30, ge=0, description="No person is asked more than once per N days.")
    max_event_bytes: int = Field(default=32 * 1024, description="Largest accepted event (bytes of JSON).")
    max_batch_bytes: int = Field(default=500 * 1024, description="Largest accepted request body (bytes).")
    dedup_window_hours: int = Field(default=24, ge=1, description="messageId de-duplication look-back window.")
    ingest_workers: int = Field(default=1, ge=0, description="Processes that parse /v1/batch bodies beside the server (0: parse in the server process).")
    commit_interval_ms: float = Field(default=5.0, ge=0, description="Group commit: longest wait to gather requests.")
    cors_origins: list[str] = Field(default_factory=lambda: ["*"], description="Origins allowed to post events.")
    server_db_memory_mb: int = Field(default=100, ge=64, description="DuckDB memory limit of the server (MB); larger queries spill to disk.")
    rollup_refresh_seconds: float = Field(default=5, ge=0, description="The server brings the analytics rollups up to date every N seconds (0: off); while events pour in, once they are half of rollup_max_lag_seconds old (or four times as old as the last refresh took).")
    rollup_max_lag_seconds: float = Field(default=30, ge=0, description="In the server, queries read rollups refreshed at most this long ago even when newer events arrived (the result's meta says how many).")
    rollup_build_memory_mb: int = Field(default=2048, ge=64, description="DuckDB memory limit (MB) while the rollups are built from scratch, when the server's limit is lower; restored after.")
    rollup_inline_events: int = Field(default=50_000, ge=0, description="A query brings stale rollups up to date itself when at most this many events are new; otherwise it computes from the events.")
    clv_refresh_hours: float = Field(default=0, ge=0, description="Refresh stored CLV scores every N hours (0: off).")
    alert_window_days: int = Field(default=7, ge=1, description="Alerts: the current window whose scores are checked for a drop.")
    alert_baseline_days: int = Field(default=28, ge=1, description="Alerts: the baseline window just before the current one.")
    alert_alpha: float = Field(default=0.05, gt=0, lt=1, description="Alerts: a drop alerts when its BH-adjusted p-value is below this.")
    alert_lookback_days: int = Field(default=30, ge=1, description="Alerts: detractor answers at most this many days old become cases.")
    alert_interval_minutes: float = Field(default=0, ge=0, description="The server runs the alert check every N minutes (0: off).")
    alert_webhooks: list[str] = Field(default_factory=list, description="URLs every new alert is POSTed to as JSON.")
    alert_emails: list[str] = Field(default_factory=list, description="Addresses new alerts are e-mailed to (needs smtp_host).")
    smtp_host: str | None = Field(default=None, description="SMTP server for alert e-mails (unset: no e-mail).")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_from: str = Field(default="cxjourney@localhost", description="Sender address of alert e-mails.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first: CXJ_* overrides what the toml file (passed as init kwargs) says.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("secret_key: the default secret is refused when environment = 'production'")
        return self

    @property
    def database_path(self) -> Path:
        p = Path(self.database)
        return p if p.is_absolute() else (self.workspace / p)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def load_settings(workspace: str | Path = ".", **overrides: Any) -> Settings:
    """Read ``<workspace>/cxjourney.toml`` (if any), then apply ``CXJ_*`` variables, then ``overrides``."""
    ws = Path(workspace).resolve()
    values: dict[str, Any] = {}
    cfg = ws / CONFIG_FILE
    if cfg.exists():
        try:
            values = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{cfg}: {exc}", errors=[{"file": str(cfg), "message": str(exc)}]) from exc
        values = dict(values.get("cxjourney", values))
    values["workspace"] = ws
    try:
        settings = Settings(**values)
    except ValueError as exc:
        raise ConfigError(f"{cfg}: invalid settings: {exc}") from exc
    if overrides:
        settings = settings.model_copy(update=overrides)
    return settings
