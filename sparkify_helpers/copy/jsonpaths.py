"""Read a Redshift JSONPaths document and turn each expression into a DuckDB JSON path.

Rules from copy-parameters-data-format.md ("JSONPath expressions"): bracket (``$['a']``) or
dot (``$.a``) notation, "but you can't mix notations" (a mixed file fails the COPY); array
indexes in brackets in both; an array element that is not there fails the COPY with "Invalid
JSONPath format: Not an array or index out of range." (``index_checks`` gives what to test).
"""

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


_DUCKDB_SEGMENT = re.compile(r'\."[^"]*"|\[(\d+)\]')


def _notations(expression: str) -> tuple[str, set[str]]:
    """The DuckDB path of one expression and the notations it uses ('dot', 'bracket')."""
    if not expression.startswith("$") or expression == "$":
        raise CopyError(f"Invalid JSONPath format: {expression!r} must start with '$' and a key.")
    out, pos, used = ["$"], 1, set()
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
            used.add("dot" if match["dot"] is not None else "bracket")
            key = next(g for g in (match["dot"], match["single"], match["double"]) if g is not None)
            key = re.sub(r"\\(.)", r"\1", key)
            if '"' in key:
                raise CopyError(f"Invalid JSONPath format: key {key!r} holds a double quote.")
            out.append(f'."{key}"')
        pos = match.end()
    return "".join(out), used


def to_duckdb_path(expression: str) -> str:
    """Translate one Redshift JSONPath (``$['a'][0]`` or ``$.a.b``) into DuckDB's syntax."""
    return _notations(expression)[0]


def index_checks(path: str) -> list[tuple[str, int]]:
    """``(prefix, index)`` for each array index of a DuckDB path: the value at ``prefix`` must
    be an array with an element ``index`` whenever it is present."""
    return [
        (path[: m.start()], int(m.group(1)))
        for m in _DUCKDB_SEGMENT.finditer(path)
        if m.group(1) is not None
    ]


def has_index(paths: list[str] | None) -> bool:
    """Whether any of the DuckDB paths has an array index."""
    return any(index_checks(p) for p in paths or [])


def parse_jsonpaths(text: str, uri: str) -> list[str] | None:
    """Parse a JSONPaths file's text into DuckDB paths, one per target column, in order.

    None for an object whose key is not "jsonpaths": "the COPY command doesn't return an
    error, but it ignores jsonpaths_file and uses the 'auto' argument instead"
    (copy-parameters-data-format.md)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CopyError(
            f"Invalid JSONPath format in {uri}: the file is not valid JSON ({exc}). "
            'It must look like {"jsonpaths": ["$[\'col\']", ...]}.'
        ) from exc
    if isinstance(document, dict) and len(document) == 1 and "jsonpaths" not in document:
        return None
    paths = document.get("jsonpaths") if isinstance(document, dict) else None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths) or not paths:
        raise CopyError(
            f"Invalid JSONPath format in {uri}: expected an object with a non-empty "
            '"jsonpaths" array of strings.'
        )
    converted = [_notations(p) for p in paths]
    if {"dot", "bracket"} <= set().union(*(used for _, used in converted)):
        raise CopyError(
            f"Invalid JSONPath format in {uri}: it mixes bracket notation ($['key']) and dot "
            "notation ($.key); use one notation for every expression."
        )
    return [path for path, _ in converted]
