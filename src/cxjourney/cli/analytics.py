"""Journey analytics from the command line: `cxjourney funnel|paths|retention|churn|sessions` and
`cxjourney journeys overview|kpis|score|designed`. Every command runs a registered query through
:func:`cxjourney.cli.client.read_query` (locally, or through the running server) and prints a table or, with ``--json``, the
query's JSON. Definitions: docs/analytics.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cxjourney.cli.client import read_query
from cxjourney.cli.common import JsonOpt, WorkspaceOpt, console, fmt, handle_errors, print_json, print_rows
from cxjourney.query import Result

FromOpt = typer.Option(None, "--from", help="First day, YYYY-MM-DD (inclusive).")
ToOpt = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (inclusive).")
ChannelOpt = typer.Option([], "--channel", help="Only these channels (repeatable or comma-separated).")
WhereOpt = typer.Option([], "--where", help="key=value segment filter (repeatable): channel=, campaign=, source=, type=, event=, properties.KEY=, segment=trait:value.")
ByOpt = typer.Option([], "--by", help="Breakdown (repeatable or comma-separated): channel, campaign, source, type, event or properties.KEY.")
PeriodOpt = typer.Option(None, "--period", help="day, week, month, quarter, year or all.")
JourneyOpt = typer.Option(None, "--journey", help="Journey id (default: the workspace's first journey).")


def _scope(date_from: str | None, date_to: str | None, channel: list[str], where: list[str], **more: Any) -> dict[str, Any]:
    p: dict[str, Any] = {k: v for k, v in more.items() if v not in (None, [], "")}
    if date_from:
        p["from"] = date_from
    if date_to:
        p["to"] = date_to
    chans = [c for x in channel for c in x.split(",") if c]
    if chans:
        p["channel"] = chans
    if where:
        p["where"] = list(where)
    return p


def _by(by: list[str]) -> list[str] | None:
    return [x for b in by for x in b.split(",") if x] or None


def _run(workspace: Path, name: str, params: dict[str, Any]) -> Result:
    return read_query(workspace, name, params)


def _dims(rows: list[dict[str, Any]], by: list[str] | None) -> list[str]:
    return [d for d in (by or []) if rows and d in rows[0]]


# -- funnel ------------------------------------------------------------------------------------------
@handle_errors
def funnel(steps: list[str] = typer.Argument(..., help="Two or more steps in order: touchpoint ids, stage:ID, or event/page names."),
           window: str = typer.Option("7d", "--window", help="Conversion window from the first step: 30m, 12h, 7d, 2w."),
           strict: bool = typer.Option(False, "--strict", help="Each next step must be the person's very next event."),
           by: list[str] = ByOpt, date_from: str = FromOpt, date_to: str = ToOpt, channel: list[str] = ChannelOpt,
           where: list[str] = WhereOpt, journey: str = JourneyOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """A funnel: per-step conversion and drop-off (Wilson intervals), time to convert, what drop-offs did next."""
    b = _by(by)
    res = _run(workspace, "funnel", _scope(date_from, date_to, channel, where, steps=list(steps), window=window,
                                          strict=strict or None, by=b, journey=journey))
    if as_json:
        print_json(res.model_dump())
        return
    print_rows(res.rows, f"funnel (window {window}{', strict' if strict else ''})",
               [*_dims(res.rows, b), "step_index", "step", "reached", "dropoff", "value", "ci_low", "ci_high", "overall", "n", "flags"])
    t = res.meta.get("time_to_convert") or {}
    if t.get("n"):
        console.print(f"time to convert (n={t['n']}): median {_dur(t.get('median_s'))}, p90 {_dur(t.get('p90_s'))}", highlight=False)
    for step, nxt in (res.meta.get("dropoff_next") or {}).items():
        if nxt:
            console.print(f"dropped after {step}: " + ", ".join(f"{x['next']} {x['count']}" for x in nxt), highlight=False)
    console.print("[dim]value = conversion from the previous step; overall = from step 1[/dim]")


def _dur(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s / size:.1f}{unit}"
    return f"{s:.0f}s"


# -- paths -------------------------------------------------------------------------------------------
@handle_errors
def paths(variants: bool = typer.Option(True, "--variants/--transitions", help="Path variants (default) or the directly-follows graph."),
          top: int = typer.Option(20, "--top", help="List this many variants; the rest are one (other) row."),
          per_session: bool = typer.Option(False, "--per-session", help="Variants per session instead of whole history."),
          label: str = typer.Option("event", "--label", help="What a step is: event, touchpoint or stage."),
          start_at: str = typer.Option(None, "--start-at", help="Paths after a person first reaches this step."),
          end_at: str = typer.Option(None, "--end-at", help="Paths before a person first reaches this step."),
          steps: int = typer.Option(3, "--steps", help="Steps after --start-at / before --end-at."),
          date_from: str = FromOpt, date_to: str = ToOpt, channel: list[str] = ChannelOpt, where: list[str] = WhereOpt,
          journey: str = JourneyOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Path variants that add up (top N + other = total), or the transition graph with median times."""
    params = _scope(date_from, date_to, channel, where, top=top, per_session=per_session or None, label=label,
                    start_at=start_at, end_at=end_at, steps=steps if (start_at or end_at) else None, journey=journey)
    if not variants:
        res = _run(workspace, "transitions", params)
        if as_json:
            print_json(res.model_dump())
        else:
            print_rows(res.rows, "transitions", ["source", "target", "count", "median_s"])
        return
    res = _run(workspace, "paths", params)
    m = res.meta
    if as_json:
        print_json({"total": m["total"], "n_variants": m["n_variants"], "unit": m.get("unit"), "variants": res.rows, "meta": m})
        return
    rows = [{"path": " → ".join(r["path"]), "count": r["count"], "share": r["share"]} for r in res.rows]
    print_rows(rows, f"paths ({m.get('unit')})", ["path", "count", "share"])
    console.print(f"total {m['total']} {m.get('unit')}, {m['n_variants']} variants; the rows add up to the total "
                  f"({fmt(sum(r['count'] for r in res.rows))})", highlight=False)


# -- retention, churn, sessions ------------------------------------------------------------------------
@handle_errors
def retention(cohort: str = typer.Option("month", "--cohort", help="week or month."),
              basis: str = typer.Option("first_touch", "--basis", help="first_touch (any activity) or first_purchase (orders)."),
              curve: bool = typer.Option(False, "--curve", help="Print the pooled retention curve instead of the cohort table."),
              max_offset: int = typer.Option(12, "--max-offset", help="Largest period offset shown."),
              as_of: str = typer.Option(None, "--as-of", help="Look from this moment (default: now)."),
              date_from: str = FromOpt, date_to: str = ToOpt, channel: list[str] = ChannelOpt, where: list[str] = WhereOpt,
              workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Retention cohorts (share of each cohort active N periods later) and the correctly pooled curve."""
    res = _run(workspace, "retention", _scope(date_from, date_to, channel, where, cohort=cohort, basis=basis,
                                              max_offset=max_offset, as_of=as_of))
    if as_json:
        print_json(res.model_dump())
        return
    if curve:
        print_rows(res.meta.get("curve", []), "retention curve (pooled)", ["offset", "value", "ci_low", "ci_high", "n", "cohorts", "flags"])
        return
    table: dict[str, dict[str, Any]] = {}
    for r in res.rows:
        row = table.setdefault(r["cohort"], {"cohort": r["cohort"], "size": r["size"]})
        flagged = "insufficient_sample" in (r.get("flags") or [])
        row[str(r["offset"])] = "n<min" if flagged else (f"{100 * r['value']:.1f}%" + ("" if r.get("complete") else "*"))
    offsets = sorted({int(r["offset"]) for r in res.rows})
    print_rows(list(table.values()), f"retention by {cohort} cohort ({basis})", ["cohort", "size", *[str(o) for o in offsets]])
    console.print("[dim]* = period not complete yet; n<min = cohort smaller than min_sample[/dim]")


@handle_errors
def churn(window_days: int = typer.Option(None, "--window-days", help="Inactivity window in days (default: setting churn_window_days)."),
          period: str = typer.Option("all", "--period", help="all, or churn of the people active in each day/week/month/quarter/year."),
          basis: str = typer.Option("first_touch", "--basis", help="first_touch (any activity) or first_purchase (orders)."),
          as_of: str = typer.Option(None, "--as-of", help="Look from this moment (default: now)."),
          date_from: str = FromOpt, date_to: str = ToOpt, channel: list[str] = ChannelOpt, where: list[str] = WhereOpt,
          workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Churn rate: people with no activity within the inactivity window after their last activity."""
    res = _run(workspace, "churn", _scope(date_from, date_to, channel, where, window_days=window_days, period=period,
                                          basis=basis, as_of=as_of))
    if as_json:
        print_json(res.model_dump())
        return
    print_rows(res.rows, f"churn ({res.meta.get('window_days')}-day window, as of {res.meta.get('as_of')})",
               ["period", "value", "ci_low", "ci_high", "n", "flags"])


@handle_errors
def sessions(by: list[str] = ByOpt, period: str = PeriodOpt,
             timeout_minutes: int = typer.Option(None, "--timeout", help="Minutes of inactivity that end a session."),
             date_from: str = FromOpt, date_to: str = ToOpt, channel: list[str] = ChannelOpt, where: list[str] = WhereOpt,
             workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Sessions, visitors (new/returning), time on site, pages per session, bounce rate."""
    b = _by(by)
    res = _run(workspace, "sessions_summary", _scope(date_from, date_to, channel, where, by=b, period=period,
                                                     timeout_minutes=timeout_minutes))
    if as_json:
        print_json(res.model_dump())
        return
    print_rows(res.rows, "sessions", ["period", *_dims(res.rows, b), "metric", "value", "ci_low", "ci_high", "n", "flags"])


# -- journeys ----------------------------------------------------------------------------------------
def _journey_cmd(query: str, title: str, columns: list[str], with_breakdown: bool) -> Any:
    def cmd(journey: str = JourneyOpt, by: list[str] = ByOpt, period: str = PeriodOpt, date_from: str = FromOpt,
            date_to: str = ToOpt, channel: list[str] = ChannelOpt, where: list[str] = WhereOpt,
            workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
        b = _by(by) if with_breakdown else None
        if not with_breakdown and (by or period):
            from cxjourney.errors import ValidationFailed

            raise ValidationFailed(f"{query} takes no --by or --period", errors=[{"field": "by", "value": by or period,
                                                                                  "message": "use journeys overview or journeys kpis"}])
        res = _run(workspace, query, _scope(date_from, date_to, channel, where, journey=journey, by=b, period=period))
        if as_json:
            print_json(res.model_dump())
            return
        rows = [{**r, "metric": r.get("metric") or r.get("kind"), "touchpoint": r.get("touchpoint") or ""} for r in res.rows]
        print_rows(rows, f"{title}: {res.meta.get('journey', '')}", [c for c in columns if c != "_dims"] if not b else
                   [x for c in columns for x in (b if c == "_dims" else [c])])
        if query == "journey_score":
            console.print("[dim]score = weighted mean of stage scores; stage score = 100 x mean attainment of its targets "
                          "(docs/analytics.md)[/dim]")

    cmd.__doc__ = {"journey_overview": "Per stage and touchpoint: reach, conversion to the next stage, the stage KPIs with targets.",
                   "stage_kpis": "The KPIs each journey stage names, by period and breakdown, with targets and benchmarks.",
                   "journey_score": "The composite journey score against targets, per journey and stage.",
                   "designed_vs_actual": "How many follow the designed stage order, which stages they skip, where they loop."}[query]
    return handle_errors(cmd)


def register(app: typer.Typer, journeys_app: typer.Typer) -> None:
    """Add the analytics commands: top-level funnel/paths/retention/churn/sessions and journeys overview/kpis/score/designed."""
    app.command("funnel")(funnel)
    app.command("paths")(paths)
    app.command("retention")(retention)
    app.command("churn")(churn)
    app.command("sessions")(sessions)
    journeys_app.command("overview")(_journey_cmd(
        "journey_overview", "journey overview",
        ["stage", "touchpoint", "period", "_dims", "metric", "value", "ci_low", "ci_high", "n", "target", "flags"], True))
    journeys_app.command("kpis")(_journey_cmd(
        "stage_kpis", "stage KPIs", ["stage", "period", "_dims", "metric", "value", "ci_low", "ci_high", "n", "target", "benchmark", "flags"], True))
    journeys_app.command("score")(_journey_cmd(
        "journey_score", "journey score", ["stage", "weight", "value", "n_scored", "flags"], False))
    journeys_app.command("designed")(_journey_cmd(
        "designed_vs_actual", "designed vs actual", ["metric", "stage", "from_stage", "value", "ci_low", "ci_high", "n", "flags"], False))
