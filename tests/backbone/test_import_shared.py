"""Every import command of docs/import.md for ../shared/data runs as written, on a slice of its file: the
documented mapping is the one that works, every valid row is kept, and the counts match pandas."""

from __future__ import annotations

import gzip
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxjourney.config import load_settings
from cxjourney.storage import connect

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"
ROWS = 1500  # a slice of each file keeps the test quick; test_import.py imports whole files of a few


def _commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [line.strip() for line in re.findall(r"^cxjourney import .*$", text, flags=re.M) if "../shared/data/" in line]


COMMANDS = _commands()


def _slice(src: Path, dest_dir: Path) -> tuple[Path, pd.DataFrame]:
    """The first ROWS data rows of ``src`` (same format, same name) and the same rows as a DataFrame."""
    df = pd.read_csv(src, dtype=str, keep_default_na=False, nrows=ROWS)
    dest = dest_dir / src.name
    if src.name.endswith(".gz"):
        with gzip.open(src, "rt") as fh, gzip.open(dest, "wt") as out:
            for i, line in enumerate(fh):
                if i > ROWS:
                    break
                out.write(line)
    else:
        with src.open() as fh, dest.open("w") as out:
            for i, line in enumerate(fh):
                if i > ROWS:
                    break
                out.write(line)
    return dest, df


def test_the_doc_lists_a_command_for_every_event_or_order_file() -> None:
    files = {re.search(r"\.\./shared/data/(\S+)", c).group(1) for c in COMMANDS}  # type: ignore[union-attr]
    assert files == {
        "cdnow/cdnow_sample_transactions.csv", "cdnow/cdnow_master_transactions.csv", "online-retail-uci/online_retail.csv.gz",
        "rees46-ecommerce-events-sample/2019-Oct-head.csv", "process-mining-logs/running-example.csv",
        "process-mining-logs/receipt.csv", "process-mining-logs/helpdesk.csv.gz",
        "process-mining-logs/bpic2013_incidents.csv.gz", "process-mining-logs/bpic2012.csv.gz",
    }


@pytest.mark.parametrize("command", COMMANDS, ids=[re.search(r"data/[^/]+/(\S+)", c).group(1) for c in COMMANDS])  # type: ignore[union-attr]
def test_documented_import_command_works_on_a_slice(command: str, shared_data: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cxjourney.cli.main import build
    from cxjourney.workspace import init_workspace

    argv = shlex.split(command)[1:]
    src = shared_data / argv[2].split("../shared/data/", 1)[1]
    part, df = _slice(src, tmp_path)
    ws = tmp_path / "ws"
    init_workspace(ws)
    argv[2] = str(part)
    argv[argv.index("-w") + 1] = str(ws)
    r = CliRunner().invoke(build(), [*argv, "--json"])
    assert r.exit_code == 0, r.stderr
    rep: dict[str, Any] = json.loads(r.stdout)
    mapping = dict(a.split("=", 1) for a in argv[argv.index("import") + 3:] if "=" in a and not a.startswith("%"))
    user_col = mapping.get("user_id", "user_id")
    known = df[df[user_col] != ""]
    with connect(load_settings(ws), read_only=True) as st:
        persons = st.con.execute("SELECT count(DISTINCT person_id) FROM events").fetchall()[0][0]
        names = {x[0] for x in st.con.execute("SELECT DISTINCT event FROM events").fetchall()}
    assert persons == known[user_col].str.replace(r"\.0$", "", regex=True).nunique()
    if argv[1] == "events":
        assert (rep["accepted"], rep["rejected"]) == (len(df), 0), rep["errors"][:3]
        renames = dict(a.split("=", 1) for a in argv if a.count("=") == 1 and " " in a)
        assert names == {renames.get(v, v) for v in df[mapping["event"]]}
    elif "order_id" in mapping:  # order lines: one order per invoice; guests rejected by line with the reason
        assert rep["accepted"] == known[mapping["order_id"]].nunique()
        assert rep["rejected"] == len(df) - len(known)
        assert {e["message"] for e in rep["errors"]} <= {"missing customer id"}
    else:  # one order per row
        assert (rep["accepted"], rep["rejected"]) == (len(df), 0)
        assert names == {"Order Completed"}
    # the second run finds everything already stored
    again = json.loads(CliRunner().invoke(build(), [*argv, "--json"]).stdout)
    assert again["accepted"] == 0 and again["duplicates"] == rep["accepted"]
