"""Validation errors as one ConfigError per file: the file, the dotted key, the problem, the fix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sparkify_helpers import paths
from sparkify_helpers.errors import ConfigError

# How to fix a key, shown after the problem; keys are dotted paths of the new format.
FIX_HINTS: dict[str, str] = {
    "target": "set target: local or target: redshift",
    "aws.region": "set e.g. {name}: us-west-2",
    "aws.endpoint_url": "set e.g. {name}: http://127.0.0.1:5000, or leave it empty",
    "iam_role_name": "set e.g. {name}: sparkify-redshift-s3-read",
    "cluster": "set e.g. num_nodes: 2",
    "cluster.identifier": "use lowercase letters, digits and single hyphens, e.g. sparkify-dw",
    "cluster.node_type": "set {name}: ra3.large (or ra3.xlplus)",
    "cluster.num_nodes": "set e.g. {name}: 2",
    "cluster.db_name": "use lowercase letters, digits and underscores, e.g. sparkifydw",
    "cluster.db_user": "use lowercase letters, digits and underscores, e.g. sparkify_admin",
    "cluster.port": "set e.g. {name}: 5439",
    "cluster.allowed_cidr": "set e.g. {name}: 203.0.113.7/32 (your address), or leave it empty",
    "source.log_data": "set e.g. {name}: s3://udacity-dend/log_data",
    "source.log_jsonpath": "set e.g. {name}: s3://udacity-dend/log_json_path.json",
    "source.song_data": "set e.g. {name}: s3://udacity-dend/song_data",
    "local.warehouse_path": "set e.g. {name}: .sparkify/warehouse.duckdb",
}
_TYPE_PHRASES = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "model_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
    "missing": "is required",
}


def display_path(path: Path) -> str:
    """A path relative to the project root when it is inside it."""
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except ValueError:
        return str(path)


def _describe(err: Mapping[str, Any], key: str) -> str:
    """One human phrase for a pydantic error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "extra_forbidden":
        return "is not a known setting (a typo?)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {err.get('input')!r})"
    if kind in ("greater_than_equal", "less_than_equal"):
        op = ">=" if kind == "greater_than_equal" else "<="
        bound = ctx.get("ge", ctx.get("le"))
        return f"must be a whole number {op} {bound} (got {err.get('input')!r})"
    phrase = _TYPE_PHRASES.get(kind, err["msg"].lower())
    if kind == "int_parsing" and "num_nodes" in key:
        phrase += " >= 1"
    return phrase if kind == "missing" else f"{phrase} (got {err.get('input')!r})"


def config_error(
    exc: ValidationError, source: Path, key_names: Mapping[str, str] | None
) -> ConfigError:
    """Turn pydantic errors into one ConfigError: file: key: problem; fix."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        shown = (key_names or {}).get(key, key)
        leaf = shown.split(" ")[0] if shown.startswith("SPARKIFY_") else shown.rpartition(".")[2]
        fix = FIX_HINTS.get(key, "").format(name=leaf) or None
        if err["type"] == "extra_forbidden":
            parent = key.rpartition(".")[0]
            fix = f"remove it or check its spelling under {parent or 'the top level'}"
        line = f"{display_path(source)}: {shown}: {_describe(err, key)}"
        lines.append(f"{line}; {fix}" if fix else line)
    return ConfigError("\n".join(lines))
