"""Write docs/cli.md from the CLI's own help texts (run after adding or changing a command):

    .venv/bin/python tools/gen_cli_docs.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from cxjourney.cli.main import build

INTRO = """# Command line

`cxjourney` is installed with the package (`make demo` / `make test` set up `.venv`; the command is
`.venv/bin/cxjourney`). Every command that reads a workspace takes `--workspace/-w DIR` (default: the current
directory) and most take `--json` for machine-readable output. User mistakes print a message naming the file,
line, field or value and exit with status 2; `journeys validate` and `surveys validate` exit 1 when a file has
problems. Read commands work while the server runs: the server holds the DuckDB file, and the CLI then sends
its queries to the server (authenticating with the workspace's own token).

This reference is generated from the commands' help (`python tools/gen_cli_docs.py`); a test fails when a
command is missing from it.
"""


def _section(cmd: Any, path: str, out: list[str]) -> None:
    if hasattr(cmd, "commands"):
        for name in sorted(cmd.commands):
            _section(cmd.commands[name], f"{path} {name}", out)
        return
    ctx = cmd.context_class(cmd, info_name=path)
    out.append(f"## `{path}`\n")
    out.append((cmd.help or "").strip() + "\n")
    usage = cmd.get_usage(ctx).replace("Usage: ", "")
    out.append(f"```\n{usage}\n```\n")
    rows = []
    for p in cmd.get_params(ctx):
        rec = p.get_help_record(ctx)
        if rec is None:
            if p.param_type_name == "argument":
                rows.append((p.human_readable_name, "argument"))
            continue
        rows.append((rec[0], rec[1].replace("|", "\\|").replace("\n", " ")))
    if rows:
        out.append("| option | meaning |\n|---|---|")
        out.extend(f"| `{a}` | {b} |" for a, b in rows)
        out.append("")


def main() -> None:
    root = typer.main.get_command(build())
    out = [INTRO]
    for name in sorted(root.commands):  # type: ignore[attr-defined]
        _section(root.commands[name], f"cxjourney {name}", out)  # type: ignore[attr-defined]
    Path(__file__).resolve().parents[1].joinpath("docs", "cli.md").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
