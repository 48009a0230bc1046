"""Plotly figures as plain dicts (the browser draws them with the bundled plotly.js). Charts only show what
the query returned; a flagged point (too small a sample) is drawn hollow and labelled, never as a plain dot."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard.data import is_flagged

COLOURS = {"line": "#2563eb", "band": "rgba(37,99,235,0.15)", "good": "#15803d", "bad": "#b91c1c", "grey": "#6b7280"}
LAYOUT = {"margin": {"l": 48, "r": 16, "t": 28, "b": 40}, "height": 300, "paper_bgcolor": "rgba(0,0,0,0)",
          "plot_bgcolor": "rgba(0,0,0,0)", "font": {"size": 12}, "showlegend": False}


def _layout(title: str = "", **more: Any) -> dict[str, Any]:
    return {**LAYOUT, "title": {"text": title, "font": {"size": 13}}, **more}


def line_with_band(rows: list[dict[str, Any]], x: str, title: str = "", *, percent: bool = False,
                   small_label: str = "n < min") -> dict[str, Any] | None:
    """Value along ``x`` with its interval as a shaded band; flagged points hollow."""
    pts = [r for r in rows if r.get(x) is not None and r.get("value") is not None]
    if not pts:
        return None
    xs = [str(r[x]) for r in pts]
    lo = [r.get("ci_low") for r in pts]
    hi = [r.get("ci_high") for r in pts]
    traces: list[dict[str, Any]] = []
    if all(v is not None for v in lo + hi):
        traces.append({"type": "scatter", "x": xs + xs[::-1], "y": hi + lo[::-1], "fill": "toself",
                       "fillcolor": COLOURS["band"], "line": {"width": 0}, "hoverinfo": "skip", "name": "CI"})
    flagged = [is_flagged(r) for r in pts]
    traces.append({
        "type": "scatter", "mode": "lines+markers", "x": xs, "y": [r["value"] for r in pts], "name": title,
        "line": {"color": COLOURS["line"]},
        "marker": {"size": 8, "color": ["white" if f else COLOURS["line"] for f in flagged],
                   "line": {"color": COLOURS["line"], "width": 2}},
        "text": [f"n={r.get('n')}" + (f" · {small_label}" if f else "") for r, f in zip(pts, flagged, strict=True)],
        "hovertemplate": "%{x}: %{y}<br>%{text}<extra></extra>",
    })
    lay = _layout(title)
    if percent:
        lay["yaxis"] = {"tickformat": ".0%"}
    return {"data": traces, "layout": lay}


def bars(labels: list[str], values: list[float | None], title: str = "", *, colours: list[str] | None = None,
         percent: bool = False, horizontal: bool = False) -> dict[str, Any] | None:
    if not labels:
        return None
    tr: dict[str, Any] = {"type": "bar", "marker": {"color": colours or COLOURS["line"]}}
    if horizontal:
        tr.update({"x": values, "y": labels, "orientation": "h"})
    else:
        tr.update({"x": labels, "y": values})
    lay = _layout(title)
    if percent:
        lay["xaxis" if horizontal else "yaxis"] = {"tickformat": ".0%"}
    return {"data": [tr], "layout": lay}


def heatmap(xs: list[str], ys: list[str], z: list[list[float | None]], title: str = "", *, percent: bool = True) -> dict[str, Any] | None:
    if not xs or not ys:
        return None
    tr: dict[str, Any] = {"type": "heatmap", "x": xs, "y": ys, "z": z, "colorscale": "Blues", "reversescale": True,
                          "hoverongaps": False, "texttemplate": "%{z:.0%}" if percent else "%{z:.2f}", "textfont": {"size": 10}}
    if percent:
        tr["zmin"], tr["zmax"] = 0, 1
    return {"data": [tr], "layout": _layout(title, height=max(260, 60 + 26 * len(ys)), margin={"l": 90, "r": 20, "t": 40, "b": 40},
                                            yaxis={"autorange": "reversed", "type": "category", "automargin": True},
                                            xaxis={"type": "category", "automargin": True})}


def sankey(links: list[tuple[str, str, float]], title: str = "") -> dict[str, Any] | None:
    if not links:
        return None
    nodes: list[str] = []
    idx: dict[str, int] = {}
    for s, t, _ in links:
        for n in (s, t):
            if n not in idx:
                idx[n] = len(nodes)
                nodes.append(n)
    colours = [COLOURS["grey"] if n.lower().split(" ")[-1] in ("other", "exit", "(other)", "(exit)") else COLOURS["line"] for n in nodes]
    tr = {"type": "sankey", "arrangement": "snap",
          "node": {"label": nodes, "pad": 12, "thickness": 14, "color": colours},
          "link": {"source": [idx[s] for s, _, _ in links], "target": [idx[t] for _, t, _ in links], "value": [v for _, _, v in links]}}
    return {"data": [tr], "layout": _layout(title, height=420)}


def histogram(values: list[float | None], title: str = "", nbins: int = 30) -> dict[str, Any] | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"data": [{"type": "histogram", "x": vals, "nbinsx": nbins, "marker": {"color": COLOURS["line"]}}], "layout": _layout(title)}
