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

BACKENDS = ("auto", "lexicon", "trained", "transformer")


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
    backend: str = typer.Option("auto", help="auto (workspace model if trained, else lexicon), lexicon, trained, transformer."),
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
    labelled: Path = typer.Option(..., "--labelled", help="CSV with text,label and optional language."),
    backend: str = typer.Option("auto", help="auto, lexicon, trained, transformer."),
    model_dir: Path = typer.Option(None, "--model-dir", help="Local transformer model directory."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Accuracy, macro-F1, positive-vs-negative accuracy and confusion matrix of an analyzer on labelled comments."""
    from cxjourney.text.evaluate import evaluate_analyzer, read_labelled

    rows = read_labelled(labelled)
    analyzer = pick_analyzer(workspace, backend, model_dir)
    out: dict[str, Any] = {"analyzer": analyzer.name, "all": evaluate_analyzer(analyzer, rows)}
    for lang in sorted({r.get("language") for r in rows if r.get("language")}):
        out[lang] = evaluate_analyzer(analyzer, [r for r in rows if r.get("language") == lang])
    if as_json:
        print_json(out)
        return
    for key, metrics in out.items():
        if key != "analyzer":
            _print_evaluation(metrics, f"{analyzer.name}: {key}")


def _print_evaluation(m: dict[str, Any], title: str) -> None:
    console.print(f"[bold]{title}[/bold]: n={m['n']} accuracy={m['accuracy']} macro-F1={m['macro_f1']} "
                  f"positive-vs-negative accuracy={m['polarity_accuracy']} (n={m['polarity_n']})")
    labels = m["labels"]
    print_rows([{"gold \\ predicted": g, **m["confusion"][g]} for g in labels])
