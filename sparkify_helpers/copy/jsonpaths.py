"""Read a Redshift JSONPaths document and turn each expression into a DuckDB JSON path."""

from __future__ import annotations

import json
import re

from sparkify_helpers.errors import CopyError

_SEGMENT = re.compile(
    r"""
    \.(?P<dot>[A-Za-z_$][A-Za-z0-9_$-]*)
  | \['(?P<single>(?:[^'\\]|\\.)*)'\]
  | \["(?P<double>(?:[^"\\]|\\.)*)"\]
  | \[(?P<index>\d+)\]
    """,
    re.VERBOSE,
)


def to_duckdb_path(expression: str) -> str:
    """Translate one Redshift JSONPath (``$['a'][0]`` or ``$.a.b``) into DuckDB's syntax."""
    if not expression.startswith("$") or expression == "$":
        raise CopyError(f"Invalid JSONPath format: {expression!r} must start with '$' and a key.")
    out, pos = ["$"], 1
    while pos < len(expression):
        match = _SEGMENT.match(expression, pos)
        if match is None:
            raise CopyError(
                f"Invalid JSONPath format: cannot read {expression!r} at position {pos}. "
                "Use bracket ($['key']) or dot ($.key) notation."
            )
        if match.group("index") is not None:
            out.append(f"[{match.group('index')}]")
        else:
            key = next(g for g in (match["dot"], match["single"], match["double"]) if g is not None)
            key = re.sub(r"\\(.)", r"\1", key)
            if '"' in key:
                raise CopyError(f"Invalid JSONPath format: key {key!r} holds a double quote.")
            out.append(f'."{key}"')
        pos = match.end()
    return "".join(out)


def parse_jsonpaths(text: str, uri: str) -> list[str]:
    """Parse a JSONPaths file's text into DuckDB paths, one per target column, in order."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CopyError(
            f"Invalid JSONPath format in {uri}: the file is not valid JSON ({exc}). "
            'It must look like {"jsonpaths": ["$[\'col\']", ...]}.'
        ) from exc
    paths = document.get("jsonpaths") if isinstance(document, dict) else None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths) or not paths:
        raise CopyError(
            f"Invalid JSONPath format in {uri}: expected an object with a non-empty "
            '"jsonpaths" array of strings.'
        )
    return [to_duckdb_path(p) for p in paths]
