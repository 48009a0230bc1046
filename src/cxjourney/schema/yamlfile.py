"""Load YAML while remembering the line of every value, so errors can name file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cxjourney.errors import ValidationFailed

Loc = tuple[Any, ...]


def _to_python(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            out[key] = _to_python(value_node, loc + (key,), lines)
            lines[loc + (key,)] = key_node.start_mark.line + 1  # a field's line is its key's line
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, loc + (i,), lines) for i, item in enumerate(node.value)]
    # Scalars: let the safe constructor resolve the type (int, float, bool, null, str).
    return yaml.safe_load(yaml.serialize(node))


def load_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse ``path``; return (data, {location tuple: line number}). Raises ValidationFailed on bad YAML."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(
            f"{path}:{line}: invalid YAML: {problem}",
            errors=[{"file": str(path), "line": line, "field": "", "message": f"invalid YAML: {problem}"}],
        ) from exc
    if node is None:
        return None, {(): 1}
    lines: dict[Loc, int] = {}
    return _to_python(node, (), lines), lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc``, or of its nearest ancestor that has one."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
