"""`cxjourney metrics nps|csat|ces|response-rate|change|distribution`: scores with intervals, n and flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cxjourney.cli.client import open_client
from cxjourney.cli.common import JsonOpt, WorkspaceOpt, console, fmt, handle_errors, print_json, print_rows

app = typer.Typer(help="NPS, CSAT and CES with intervals and sample sizes; response rate; significant changes.", no_args_is_help=True)

ByOpt = typer.Option([], "--by", help="touchpoint, stage, journey, channel, survey, language, question or segment:<trait> (repeatable or comma-separated)")
PeriodOpt = typer.Option(None, "--period", help="day, week or month")
FromOpt = typer.Option(None, "--from", help="First day, YYYY-MM-DD (inclusive)")
ToOpt = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (inclusive)")
JourneyOpt = typer.Option(None, "--journey", help="Only this journey")
WhereOpt = typer.Option([], "--where", help="key=value filter (repeatable): touchpoint=, channel=, survey=, stage=, segment=trait:value")


FIGURES = {"mean", "mean_ci_low", "mean_ci_high", "top2_share", "top2_ci_low", "top2_ci_high", "easy_share", "easy_ci_low",
           "easy_ci_high", "a_value", "b_value", "p_value", "p_adjusted", "significant"}


def _params(by: list[str], period: str | None, date_from: str | None, date_to: str | None, journey: str | None,
            where: list[str], **more: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"by": [x for b in by for x in b.split(",") if x], "where": list(where), **{k: v for k, v in more.items() if v is not None}}
    for k, v in (("period", period), ("from", date_from), ("to", date_to), ("journey", journey)):
        if v is not None:
            p[k] = v
    return p


def _run(name: str, params: dict[str, Any], workspace: Path, as_json: bool, columns: list[str] | None = None) -> None:
    c = open_client(workspace)
    try:
        res = c.run(name, params)
    finally:
        c.close()
    if as_json:
        print_json(res.model_dump())
        return
    # A flagged figure shows its flag, never a bare number: blank every other figure of that row too.
    rows = [r if "insufficient_sample" not in (r.get("flags") or []) else {k: (None if k in FIGURES else v) for k, v in r.items()}
            for r in res.rows]
    if columns is not None:
        dims = [k for k in (rows[0] if rows else {}) if k in [*params.get("by", []), "period"]]
        columns = dims + [c for c in columns if not rows or c in rows[0]]
    print_rows(rows, name, columns)
    meta = res.meta
    if meta.get("definition"):
        console.print(f"[dim]{meta['definition']}; {int(round(100 * meta.get('confidence', 0.95)))}% intervals; "
                      f"figures with n < {meta.get('min_sample')} show 'n too small'[/dim]", highlight=False)
    if "n" in meta:
        console.print(f"[dim]n = {fmt(meta['n'])}[/dim]")
    for note in meta.get("notes") or []:
        console.print(f"[yellow]note[/yellow]: {note}", highlight=False)


def _score_cmd(kind: str, columns: list[str]):  # one command per score, same options
    @handle_errors
    def cmd(by: list[str] = ByOpt, period: str = PeriodOpt, date_from: str = FromOpt, date_to: str = ToOpt, journey: str = JourneyOpt,
            where: list[str] = WhereOpt, measure: str = typer.Option(None, "--measure", help="csat: mean (default top-2-box share); ces: easy (default mean)"),
            workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
        _run(kind, _params(by, period, date_from, date_to, journey, where, measure=measure), workspace, as_json, columns)

    cmd.__doc__ = {"nps": "Net Promoter Score with its adjusted-Wald interval, n and promoters/passives/detractors.",
                   "csat": "CSAT: top-2-box share (Wilson interval) and mean (t interval).",
                   "ces": "CES: mean on 1-7 (t interval) and share easy (5-7)."}[kind]
    return cmd


app.command("nps")(_score_cmd("nps", ["value", "ci_low", "ci_high", "n", "promoters", "passives", "detractors", "flags"]))
app.command("csat")(_score_cmd("csat", ["value", "ci_low", "ci_high", "n", "mean", "top2_share", "flags"]))
app.command("ces")(_score_cmd("ces", ["value", "ci_low", "ci_high", "n", "easy_share", "mean", "flags"]))


@app.command("response-rate")
@handle_errors
def response_rate(by: list[str] = ByOpt, period: str = PeriodOpt, date_from: str = FromOpt, date_to: str = ToOpt,
                  journey: str = JourneyOpt, where: list[str] = WhereOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Surveys answered / surveys shown, with a Wilson interval."""
    _run("response_rate", _params(by, period, date_from, date_to, journey, where), workspace, as_json,
         ["value", "ci_low", "ci_high", "n", "answered", "flags"])


@app.command("distribution")
@handle_errors
def distribution(kind: str = typer.Argument(..., help="nps, csat or ces"), by: list[str] = ByOpt, period: str = PeriodOpt,
                 date_from: str = FromOpt, date_to: str = ToOpt, journey: str = JourneyOpt, where: list[str] = WhereOpt,
                 workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """How many answers each score value got (share with a Wilson interval)."""
    _run("score_distribution", _params(by, period, date_from, date_to, journey, where, kind=kind), workspace, as_json,
         ["score", "count", "value", "ci_low", "ci_high", "n", "flags"])


@app.command("change")
@handle_errors
def change(metric: str = typer.Argument(..., help="nps, csat or ces"),
           compare: str = typer.Option("period", "--compare", help="period (a vs b) or segment (each group vs the rest or --baseline)"),
           a_from: str = typer.Option(None, "--a-from"), a_to: str = typer.Option(None, "--a-to"),
           b_from: str = typer.Option(None, "--b-from"), b_to: str = typer.Option(None, "--b-to"),
           baseline: str = typer.Option(None, "--baseline", help="compare=segment: the group to compare with"),
           by: list[str] = ByOpt, period: str = PeriodOpt, date_from: str = FromOpt, date_to: str = ToOpt,
           journey: str = JourneyOpt, where: list[str] = WhereOpt, measure: str = typer.Option(None, "--measure"),
           workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Change between two periods or between segments: difference, interval, p-value and BH-adjusted p-value."""
    p = _params(by, period, date_from, date_to, journey, where, metric=metric, compare=compare, a_from=a_from, a_to=a_to,
                b_from=b_from, b_to=b_to, baseline=baseline, measure=measure)
    _run("score_change", p, workspace, as_json, ["a", "b", "a_value", "b_value", "value", "ci_low", "ci_high", "n_a", "n_b",
                                                  "p_value", "p_adjusted", "significant", "flags"])
