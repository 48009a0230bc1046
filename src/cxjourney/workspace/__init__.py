"""A workspace: a directory with cxjourney.toml, journeys/, surveys/ and the DuckDB file."""

from __future__ import annotations

import secrets
import shutil
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from cxjourney.config import CONFIG_FILE, Settings, load_settings
from cxjourney.errors import ValidationFailed
from cxjourney.journeys import Journey, check_journeys
from cxjourney.schema.yamlfile import load_yaml

CLI_TOKEN_FILE = ".cxjourney/cli-token"

# Parsed journey and survey files per workspace, with the files' stamp they were parsed from (shared by every
# Workspace object of the process: the server makes one per request). Parsing the YAML on every request cost
# more than serving a cached dashboard page.
_PARSED: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}
_PARSED_LOCK = threading.Lock()


class Workspace:
    """Files of a workspace. Journeys and surveys are read from disk when asked (they are code)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.workspace

    # ---- the running server (written by `cxjourney serve`, read by CLI commands) -------------------
    @property
    def _server_file(self) -> Path:
        return self.root / ".cxjourney" / "server.json"

    def record_server(self, host: str, port: int) -> None:
        import json
        import os

        connect_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        self._server_file.parent.mkdir(parents=True, exist_ok=True)
        self._server_file.write_text(json.dumps({"url": f"http://{connect_host}:{port}", "pid": os.getpid()}))

    def forget_server(self) -> None:
        self._server_file.unlink(missing_ok=True)

    def server_url(self) -> str | None:
        """URL of the server that holds this workspace, when `cxjourney serve` recorded one."""
        import json
        import os

        try:
            rec = json.loads(self._server_file.read_text())
            url, pid = rec.get("url"), int(rec.get("pid"))
            os.kill(pid, 0)  # a server killed hard leaves its file behind: only a live process counts
        except (OSError, ValueError, AttributeError, TypeError):
            return None
        return url if isinstance(url, str) else None

    @property
    def journeys_dir(self) -> Path:
        return self.root / "journeys"

    @property
    def surveys_dir(self) -> Path:
        return self.root / "surveys"

    def files_stamp(self) -> tuple[Any, ...]:
        """Name, size and modification time of every journey and survey file: changes when one is edited."""
        out = []
        for d in (self.journeys_dir, self.surveys_dir):
            if d.exists():
                for f in sorted(d.iterdir()):
                    try:
                        st = f.stat()
                    except OSError:
                        continue
                    out.append((str(f), st.st_size, st.st_mtime_ns))
        return tuple(out)

    def _parsed(self, what: str, compute: Any) -> Any:
        """``compute()``, parsed again only when a journey or survey file changed."""
        stamp, key = self.files_stamp(), (what, str(self.root))
        with _PARSED_LOCK:
            hit = _PARSED.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = compute()
        with _PARSED_LOCK:
            _PARSED[key] = (stamp, value)
        return value

    def survey_ids(self) -> list[str]:
        """Ids of the surveys defined in surveys/ (the survey package validates their content)."""
        return list(self._parsed("surveys", self._read_survey_ids))

    def _read_survey_ids(self) -> list[str]:
        ids = []
        if self.surveys_dir.exists():
            for p in sorted([*self.surveys_dir.glob("*.yaml"), *self.surveys_dir.glob("*.yml")]):
                try:
                    data, _ = load_yaml(p)
                except ValidationFailed:
                    continue
                if isinstance(data, dict) and isinstance(data.get("id"), str):
                    ids.append(data["id"])
        return ids

    def check_journeys(self) -> tuple[list[Journey], list[dict[str, Any]]]:
        """Valid journeys and the problems of the others; parsed again only when a file changed."""
        valid, problems = self._parsed("journeys", lambda: check_journeys(self.journeys_dir, self.survey_ids()))
        return list(valid), list(problems)

    def journeys(self) -> list[Journey]:
        """Valid journeys (invalid files are skipped here; `cxjourney journeys validate` reports them)."""
        return self.check_journeys()[0]

    def journey(self, journey_id: str | None = None) -> Journey:
        from cxjourney.errors import NotFound

        js = self.journeys()
        if not js:
            raise NotFound(f"no valid journey in {self.journeys_dir}")
        if journey_id is None:
            return js[0]
        for j in js:
            if j.id == journey_id:
                return j
        raise NotFound(f"unknown journey {journey_id!r}", errors=[{"field": "journey", "value": journey_id, "message": f"known: {[j.id for j in js]}"}])

    def cli_token(self) -> str | None:
        p = self.root / CLI_TOKEN_FILE
        return p.read_text().strip() if p.exists() else None


def template_dir() -> Path:
    return Path(str(resources.files("cxjourney.demo") / "template"))


def init_workspace(directory: str | Path, *, with_examples: bool = True) -> Settings:
    """Create cxjourney.toml, journeys/, surveys/ and the DuckDB file (idempotent; never overwrites)."""
    from cxjourney.security.keys import ensure_cli_token
    from cxjourney.storage import connect

    root = Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / CONFIG_FILE
    if not cfg.exists():
        cfg.write_text(
            "# cxjourney workspace settings (docs/settings.md). CXJ_* environment variables override them.\n"
            'database = "cxjourney.duckdb"\n'
            'host = "127.0.0.1"\n'
            "port = 8000\n"
            'language = "en"\n'
            "min_sample = 30\n"
            "session_timeout_minutes = 30\n"
            "churn_window_days = 90\n"
            "survey_fatigue_days = 30\n"
            f'secret_key = "{secrets.token_urlsafe(32)}"\n',
            encoding="utf-8",
        )
    for sub in ("journeys", "surveys"):
        (root / sub).mkdir(exist_ok=True)
        src = template_dir() / sub
        if with_examples and src.is_dir():  # the template may not ship every folder (e.g. no surveys yet)
            for f in src.iterdir():
                if f.suffix in (".yaml", ".yml") and not (root / sub / f.name).exists():
                    shutil.copyfile(f, root / sub / f.name)
    settings = load_settings(root)
    with connect(settings) as store:
        ensure_cli_token(store, root)
    return settings
