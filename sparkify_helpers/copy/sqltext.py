"""SQL text helpers shared by the COPY emulation's query builders."""

from __future__ import annotations


def sql_string(text: str) -> str:
    """``text`` as a single-quoted SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'
