"""Sentiment throughput (comments per second), with a baseline measured in the same run.

Run: python benchmarks/bench_text.py [--n 20000] [--repeat 3]

Comments: the labelled CX comments shipped with cxjourney (Polish and English corpus plus the held-out sets),
cycled to ``--n`` and made distinct by an order number ("... #1234"), language detected per comment (as
``cxjourney text sentiment`` does). Measured, as the median of ``--repeat`` warm runs of ``analyze_many``:

* ``project-v1``: the default analyzer (classifier with the lexicon as a feature);
* ``lexicon-v1``: the lexicon backend alone (``--backend lexicon``);
* baseline: the plain ``vaderSentiment`` analyzer (English only, no language detection, no CX rules) on the
  English comments of the same set, one ``polarity_scores`` call per comment: the reference library the
  English lexicon builds on.

Both wall-clock and CPU-time rates are printed: on a shared machine the wall-clock rate falls with other
processes' load, the CPU-time rate much less. Target (issue 6): at least 5,000 comments/s. The first use in a process also loads simplemma's Polish
dictionary and the project model (fitted once and cached on disk); that one-off cost is printed separately.
The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TARGET = 5000.0


def comments(n: int) -> tuple[list[str], list[str]]:
    files = sorted((ROOT / "src" / "cxjourney" / "text" / "corpus").glob("*.csv"))
    files += sorted((ROOT / "tests" / "text" / "data").glob("heldout_*.csv"))
    base: list[tuple[str, str]] = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            base += [(r["text"], r["language"]) for r in csv.DictReader(fh)]
    texts = [f"{base[i % len(base)][0]} #{1000 + i}" for i in range(n)]
    english = [f"{t} #{1000 + i}" for i, (t, lang) in enumerate(base * (n // len(base) + 1)) if lang == "en"][: n // 2]
    return texts, english


def rate(fn, items: list[str], repeat: int) -> tuple[float, float]:
    """(comments per wall-clock second, comments per CPU second of this process), medians of warm runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(items)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return len(items) / statistics.median(wall), len(items) / statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="comments per run")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs; the median is reported")
    args = ap.parse_args()
    texts, english = comments(args.n)

    t0 = time.perf_counter()
    from cxjourney.text.sentiment import LexiconAnalyzer, default_analyzer

    project = default_analyzer()
    project.analyze_many(texts[:200])
    lexicon = LexiconAnalyzer()
    lexicon.analyze_many(texts[:200])
    first_use = time.perf_counter() - t0
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    r_project = rate(project.analyze_many, texts, args.repeat)
    r_lexicon = rate(lexicon.analyze_many, texts, args.repeat)
    r_vader = rate(lambda items: [vader.polarity_scores(t) for t in items], english, args.repeat)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"comments per run: {len(texts)} (PL+EN, language detected); English-only baseline set: {len(english)}")
    print(f"cpu cores: {os.cpu_count()}, load average (1 min): {load:.1f}")
    print(f"first use in a process (simplemma + model load/fit + warm-up): {first_use:.1f} s")
    print("wall = comments per elapsed second; cpu = per CPU second of this process (what a free core gives)")
    print(f"{'analyzer':<36}{'wall/s':>9}{'cpu/s':>9}{'vs baseline':>13}{'vs target':>11}")
    for name, (w, c) in (("project-v1 (default)", r_project), ("lexicon-v1 (--backend lexicon)", r_lexicon),
                         ("baseline: plain vaderSentiment, EN", r_vader)):
        print(f"{name:<36}{w:>9,.0f}{c:>9,.0f}{w / r_vader[0]:>12.2f}x{w / TARGET:>10.2f}x")
    for name, (w, c) in (("project-v1", r_project), ("lexicon-v1", r_lexicon)):
        verdict = "meets" if w >= TARGET else "BELOW"
        print(f"{name}: {verdict} the {TARGET:,.0f} comments/s target in wall-clock time ({w:,.0f}/s; "
              f"{c:,.0f}/s per CPU second)")


if __name__ == "__main__":
    main()
