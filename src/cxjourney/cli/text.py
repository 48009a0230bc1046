"""`cxjourney text ...`: sentiment of comments, training a workspace classifier, themes, pain points,
search and the emotion curve along the journey."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from cxjourney.cli.common import JsonOpt, WorkspaceOpt, console, handle_errors, print_json, print_rows
from cxjourney.errors import ValidationFailed

app = typer.Typer(help="Comments: sentiment (PL/EN, offline), themes, pain points, search, emotion curve.",
                  no_args_is_help=True)

BACKENDS = ("auto", "project", "lexicon", "trained", "transformer")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def pick_analyzer(workspace: Path, backend: str, model_dir: Path | None) -> Any:
    from cxjourney.text.sentiment import analyzer_for_workspace, default_analyzer, model_path

    if backend not in BACKENDS:
        raise ValidationFailed(f"unknown backend {backend!r}",
                               errors=[{"field": "--backend", "value": backend, "message": f"one of {', '.join(BACKENDS)}"}])
    if model_dir is not None or backend == "transformer":
        if model_dir is None:
            raise ValidationFailed("--backend transformer needs --model-dir DIR (a local model directory)",
                                   errors=[{"field": "--model-dir", "message": "missing"}])
        from cxjourney.text.transformer import TransformerAnalyzer

        return TransformerAnalyzer(model_dir)
    if backend == "lexicon":
        from cxjourney.text.sentiment import LexiconAnalyzer

        return LexiconAnalyzer()
    if backend == "project":
        return default_analyzer()
    if backend == "trained":
        path = model_path(workspace)
        if not path.exists():
            raise ValidationFailed(f"no trained model at {path}: run 'cxjourney text train --labelled FILE' first",
                                   errors=[{"file": str(path), "message": "no trained model"}])
    return analyzer_for_workspace(workspace)


@app.command("sentiment")
@handle_errors
def sentiment(
    file: Path = typer.Argument(None, help="CSV with a 'text' column, or plain text with one comment per line."),
    text: list[str] = typer.Option(None, "--text", "-t", help="A comment to score (repeatable)."),
    language: str = typer.Option(None, "--language", "-l", help="pl or en; detected when omitted."),
    backend: str = typer.Option("auto", help="auto (workspace model if trained, else project), project, lexicon, trained, transformer."),
    model_dir: Path = typer.Option(None, "--model-dir", help="Local transformer model directory."),
    raw: bool = typer.Option(False, "--raw", help="Show comments unmasked (otherwise PII is masked)."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Score comments: language, score in [-1, 1] and label (negative/neutral/positive)."""
    from cxjourney.text.inputs import read_comments
    from cxjourney.text.pii import mask_pii

    if language is not None and language not in ("pl", "en"):
        raise ValidationFailed(f"--language must be pl or en, not {language!r}",
                               errors=[{"field": "--language", "value": language, "message": "pl or en"}])
    items: list[dict[str, Any]] = [{"text": t, "language": language} for t in (text or [])]
    if file is not None:
        items += [{"text": r["text"], "language": language or r["language"]} for r in read_comments(file)]
    if not items:
        raise ValidationFailed("give comments with --text \"...\" or a FILE",
                               errors=[{"field": "FILE", "message": "nothing to score"}])
    analyzer = pick_analyzer(workspace, backend, model_dir)
    results = analyzer.analyze_many([i["text"] for i in items], [i["language"] for i in items])
    rows = [{"text": i["text"] if raw else mask_pii(i["text"]), "language": r.language, "score": r.score,
             "label": r.label} for i, r in zip(items, results, strict=True)]
    if as_json:
        print_json({"rows": rows, "meta": {"analyzer": analyzer.name, "n": len(rows)}})
    else:
        print_rows(rows, f"sentiment ({analyzer.name})", columns=["label", "score", "language", "text"])


@app.command("train")
@handle_errors
def train(
    labelled: Path = typer.Option(..., "--labelled", help="CSV with text,label (negative/neutral/positive), optional language."),
    test_size: float = typer.Option(0.25, help="Share of rows held out for the evaluation."),
    seed: int = typer.Option(0, help="Seed of the held-out split and the model."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Train the workspace's own sentiment classifier from labelled comments; it replaces the lexicon there."""
    from cxjourney.text.classifier import train_classifier
    from cxjourney.text.evaluate import read_labelled
    from cxjourney.text.sentiment import model_path

    if not Path(workspace).is_dir():
        raise ValidationFailed(f"workspace {workspace} is not a directory",
                               errors=[{"field": "--workspace", "value": str(workspace), "message": "not a directory"}])
    rows = read_labelled(labelled)
    analyzer, evaluation = train_classifier(rows, test_size=test_size, seed=seed, now=_now())
    path = analyzer.save(model_path(workspace))
    evaluation = {**evaluation, "model": str(path)}
    if as_json:
        print_json(evaluation)
        return
    _print_evaluation(evaluation["held_out"], f"held-out evaluation ({evaluation['n_test']} of {evaluation['n_rows']} rows)")
    lex = evaluation["lexicon_on_same_rows"]
    console.print(f"lexicon on the same rows: accuracy {lex['accuracy']}, macro-F1 {lex['macro_f1']}")
    console.print(f"saved [bold]{path}[/bold] (refit on all {evaluation['n_rows']} rows); this workspace now uses it")


@app.command("evaluate")
@handle_errors
def evaluate(
    labelled: list[Path] = typer.Option(..., "--labelled", help="CSV with text,label and optional language (repeatable)."),
    backend: str = typer.Option("auto", help="auto, project, lexicon, trained, transformer."),
    model_dir: Path = typer.Option(None, "--model-dir", help="Local transformer model directory."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Accuracy, macro-F1, positive-vs-negative accuracy and confusion matrix of an analyzer on labelled comments."""
    from cxjourney.text.evaluate import evaluate_analyzer, read_labelled

    rows = [row for path in labelled for row in read_labelled(path)]
    analyzer = pick_analyzer(workspace, backend, model_dir)
    out: dict[str, Any] = {"analyzer": analyzer.name, "all": evaluate_analyzer(analyzer, rows)}
    for lang in sorted({str(r["language"]) for r in rows if r.get("language")}):
        out[lang] = evaluate_analyzer(analyzer, [r for r in rows if r.get("language") == lang])
    if as_json:
        print_json(out)
        return
    for key, metrics in out.items():
        if key != "analyzer":
            _print_evaluation(metrics, f"{analyzer.name}: {key}")


def _print_evaluation(m: dict[str, Any], title: str) -> None:
    console.print(f"[bold]{title}[/bold]: n={m['n']} accuracy={m['accuracy']} macro-F1={m['macro_f1']} "
                  f"positive-vs-negative accuracy: strict={m['polarity_accuracy']} "
                  f"sign={m.get('sign_accuracy')} (n={m['polarity_n']})")
    labels = m["labels"]
    print_rows([{"gold \\ predicted": g, **m["confusion"][g]} for g in labels])


@app.command("analyze")
@handle_errors
def analyze(
    only_new: bool = typer.Option(False, "--only-new", help="Only comments not analysed yet (themes left empty)."),
    themes_k: int = typer.Option(6, "--themes", help="Number of themes stored with each comment."),
    seed: int = typer.Option(0, help="Seed of the theme model."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """(Re)compute comment_analysis (language, sentiment, theme, masked text) for the workspace's comments."""
    from cxjourney.cli.client import open_client
    from cxjourney.text.analyze import analyze_comments
    from cxjourney.text.sentiment import analyzer_for_workspace

    c = open_client(workspace, write=True)
    try:
        if c.mode == "local":
            out = analyze_comments(c.store, analyzer_for_workspace(c.settings.workspace), now=_now(),  # type: ignore[union-attr]
                                   only_missing=only_new, themes_k=themes_k, seed=seed)
        else:
            out = c.request("POST", "/api/v1/text/analyze",  # type: ignore[union-attr]
                            json={"only_new": only_new, "themes": themes_k, "seed": seed})
    finally:
        c.close()
    if as_json:
        print_json(out)
    else:
        console.print(f"analysed {out['analyzed']} comment(s) with {out['analyzer']}: {out['labels']}; "
                      f"languages {out['languages']}; {out['themes']} theme(s)")


def _run(workspace: Path, name: str, params: dict[str, Any]) -> Any:
    from cxjourney.cli.client import open_client

    c = open_client(workspace)
    try:
        return c.run(name, {k: v for k, v in params.items() if v is not None})
    finally:
        c.close()


def _short(comments: list[dict[str, Any]], width: int = 70) -> str:
    """The first example comment, cut to ``width`` characters, for tables (--json has them all, whole)."""
    if not comments:
        return ""
    text = " ".join(str(comments[0]["comment"]).split())
    more = f" (+{len(comments) - 1})" if len(comments) > 1 else ""
    return (text if len(text) <= width else text[: width - 1] + "…") + more


def _hint(res: Any) -> None:
    if not res.rows and res.meta.get("hint"):
        console.print(f"[yellow]{res.meta['hint']}[/yellow]")


@app.command("curve")
@handle_errors
def curve(
    by: str = typer.Option("touchpoint", help="touchpoint or stage."),
    period: str = typer.Option("none", help="none, day, week, month, quarter."),
    segment: str = typer.Option("none", help="none, channel, language, survey_id, kind."),
    journey: str = typer.Option(None, help="Journey id (default: the first valid one)."),
    since: datetime = typer.Option(None, help="Responses at or after this time."),
    until: datetime = typer.Option(None, help="Responses before this time."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The emotion curve: mean sentiment per touchpoint (or stage) in journey order, with intervals and n."""
    res = _run(workspace, "emotion_curve", {"by": by, "period": period, "segment": segment, "journey": journey,
                                            "since": since, "until": until})
    if as_json:
        print_json(res.model_dump())
        return
    _hint(res)
    print_rows(res.rows, f"emotion curve ({res.meta.get('journey') or 'no journey'})")


@app.command("themes")
@handle_errors
def themes(
    k: int = typer.Option(6, "--k", help="Number of themes."),
    seed: int = typer.Option(0, help="Seed (same seed, same themes)."),
    touchpoint: str = typer.Option(None, help="Only comments at this touchpoint."),
    language: str = typer.Option(None, help="pl, en or other."),
    examples: int = typer.Option(3, help="Example comments per theme."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Themes of the comments, named by their top terms, with counts, mean sentiment and examples."""
    res = _run(workspace, "themes", {"k": k, "seed": seed, "touchpoint": touchpoint, "language": language,
                                     "examples": examples})
    if as_json:
        print_json(res.model_dump())
        return
    _hint(res)
    print_rows([{**r, "examples": _short(r["examples"])} for r in res.rows], "themes",
               columns=["theme", "name", "n", "share", "mean_sentiment", "negative_n", "examples"])


@app.command("pain-points")
@handle_errors
def pain_points(
    k: int = typer.Option(6, "--k", help="Number of themes."),
    seed: int = typer.Option(0, help="Seed of the theme model."),
    min_n: int = typer.Option(3, help="Leave out cells with fewer comments."),
    limit: int = typer.Option(20, help="At most this many pain points."),
    examples: int = typer.Option(3, help="Negative comments shown per pain point."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Themes x touchpoints ranked by volume and negativity, with the comments behind them."""
    res = _run(workspace, "pain_points", {"k": k, "seed": seed, "min_n": min_n, "limit": limit, "examples": examples})
    if as_json:
        print_json(res.model_dump())
        return
    _hint(res)
    print_rows([{**r, "comments": _short(r["comments"])} for r in res.rows], "pain points",
               columns=["name", "touchpoint", "n", "negative_n", "share_negative", "mean_sentiment", "pain_score", "comments"])


@app.command("search")
@handle_errors
def search(
    q: str = typer.Argument("", help="Words to find, in any inflection (all must occur)."),
    touchpoint: str = typer.Option(None, help="Only this touchpoint."),
    min_score: float = typer.Option(None, help="Sentiment at least this (-1..1)."),
    max_score: float = typer.Option(None, help="Sentiment at most this (-1..1)."),
    label: str = typer.Option(None, help="negative, neutral or positive."),
    since: datetime = typer.Option(None, help="Responses at or after this time."),
    until: datetime = typer.Option(None, help="Responses before this time."),
    limit: int = typer.Option(100, help="At most this many comments."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Search comments by words in any inflection, with filters."""
    res = _run(workspace, "comment_search", {"q": q, "touchpoint": touchpoint, "min_score": min_score,
                                             "max_score": max_score, "label": label, "since": since,
                                             "until": until, "limit": limit})
    if as_json:
        print_json(res.model_dump())
        return
    _hint(res)
    print_rows(res.rows, f"{res.meta.get('n', 0)} comment(s)",
               columns=["timestamp", "touchpoint", "label", "sentiment", "comment"])
