"""SQL shared by both readers: pick each column's field out of a JSON record, then convert it.

Fields come out as text ``r_i`` (NULL when absent or JSON null); ``converted_sql`` adds the
value ``v_i`` and the Redshift error code ``e_i`` of every column (see ``convert``).
"""

from __future__ import annotations

from sparkify_helpers.copy.columns import TargetColumn
from sparkify_helpers.copy.convert import conversion
from sparkify_helpers.copy.sqltext import sql_string
from sparkify_helpers.copy.statement import CopyCommand


def fixed_paths(columns: list[TargetColumn], json_paths: list[str] | None) -> str:
    """The SQL list of JSON paths, one per column: the JSONPaths, or 'auto' by column name."""
    paths = json_paths or [f'$."{c.name.lower()}"' for c in columns]
    return "[" + ", ".join(sql_string(p) for p in paths) + "]"


def field_list(columns: list[TargetColumn], extracted: str = "f") -> str:
    """``f[1] AS r_0, ...``: the fields of one ``json_extract_string(text, [paths])`` list."""
    return ", ".join(f"{extracted}[{i + 1}] AS r_{i}" for i in range(len(columns)))


def ignorecase_fields(columns: list[TargetColumn], text: str = "text") -> str:
    """'auto ignorecase': each column's field looked up among the record's keys, as ``r_i``."""
    keys = [
        f"list_filter(json_keys({text}), lambda k: lower(k) = {sql_string(c.name.lower())})[1]"
        for c in columns
    ]
    return ", ".join(
        f"json_extract_string({text}, '$.\"' || {key} || '\"') AS r_{i}"
        for i, key in enumerate(keys)
    )


def converted_sql(source: str, columns: list[TargetColumn], cmd: CopyCommand) -> str:
    """Rows of ``source`` (which has ``r_i``) with each column's value ``v_i`` and code ``e_i``."""
    convs = [conversion(c, cmd, f"r_{i}") for i, c in enumerate(columns)]
    idx = range(len(columns))
    values = ", ".join(f"{convs[i].value} AS v_{i}" for i in idx)
    errors = ", ".join(f"{convs[i].error_sql(f'v_{i}')} AS e_{i}" for i in idx)
    return f"SELECT *, {errors} FROM (SELECT *, {values} FROM ({source}))"


def any_error(columns: list[TargetColumn]) -> str:
    """SQL true when some column of a converted row has an error code."""
    return " OR ".join(f"e_{i} IS NOT NULL" for i in range(len(columns))) or "FALSE"


def value_list(columns: list[TargetColumn]) -> str:
    """``v_0, v_1, ...``: the converted values in COPY column order."""
    return ", ".join(f"v_{i}" for i in range(len(columns)))
