"""Validation errors as one ConfigError per file: the file, the dotted key, the problem, the fix.

No message quotes the value of a secret key (``KEY``, ``SECRET``, ``DB_PASSWORD``, ``token``,
... in any case): YAML syntax errors name the file, line and key without echoing the line,
and validation errors mask what they would quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr, ValidationError

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
    "cluster.allow_wide_ingress": "set {name}: false (the default) or true",
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


SECRET_KEY_RE = re.compile(
    r"key|secret|passw(?:or)?d|pwd|token|credential|private|session", re.IGNORECASE
)
MASK = "****"
_MIN_SECRET_LEN = 3  # shorter values are not scrubbed from messages (they would mangle words)
_YAML_KEY_RE = re.compile(  # `  key: value` (or `- key: value`) on one line
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[^\s:#'\"][^:#]*?)\s*:(?:\s+|$)(?P<v>.*)$"
)


def is_secret_key(name: str) -> bool:
    """True for a key whose value must never be quoted (case-insensitive)."""
    return bool(SECRET_KEY_RE.search(name))


def _secret_values(value: Any, secret: bool = False) -> Iterator[str]:
    """Every string held under a secret key (or as a SecretStr) inside ``value``."""
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _secret_values(item, secret or is_secret_key(str(key)))
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _secret_values(item, secret)
    elif isinstance(value, BaseModel):
        yield from _secret_values(dict(value), secret)
    elif secret and value is not None and not isinstance(value, bool):
        yield str(value)


def scrub(text: str, secrets: Iterator[str] | list[str]) -> str:
    """``text`` with every occurrence of the secret values replaced by the mask."""
    for value in sorted({v.strip() for v in secrets}, key=len, reverse=True):
        if len(value) >= _MIN_SECRET_LEN:
            text = text.replace(value, MASK)
    return text


def _yaml_key_at(lines: list[str], index: int) -> str | None:
    """The dotted key on line ``index`` (parents found by indentation), or None."""
    if not 0 <= index < len(lines):
        return None
    match = _YAML_KEY_RE.match(lines[index])
    if match is None:
        return None
    path, indent = [match["key"].strip()], len(match["indent"].expandtabs())
    for line in reversed(lines[:index]):
        parent = _YAML_KEY_RE.match(line)
        if parent and len(parent["indent"].expandtabs()) < indent and not parent["v"].strip():
            path.insert(0, parent["key"].strip())
            indent = len(parent["indent"].expandtabs())
    return ".".join(path)


def _yaml_secrets(lines: list[str]) -> list[str]:
    """Values written on the lines of secret keys (whatever the file's syntax)."""
    found = []
    for line in lines:
        match = _YAML_KEY_RE.match(line)
        if match and is_secret_key(match["key"]):
            value = match["v"].split(" #")[0].strip()
            found += [value, value.strip("'\"*&!")]
    return found


def yaml_error(path: Path, text: str, exc: yaml.YAMLError) -> ConfigError:
    """A YAML syntax error as one ConfigError: the file, the line, the key; never the line's
    text, and never the value of a secret key."""
    lines = text.splitlines()
    problem = getattr(exc, "problem", None) or "cannot be parsed"
    context = getattr(exc, "context", None)
    marks = (getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None))
    rows = sorted({m.line for m in marks if m is not None})
    where = " and ".join(f"line {r + 1}" for r in rows) or "an unknown line"
    keys = [k for k in (_yaml_key_at(lines, r) for r in rows) if k]
    about = ""
    if keys:
        masked = [f"{k} (value not shown)" if is_secret_key(k) else k for k in keys]
        about = f", key {', '.join(dict.fromkeys(masked))}"
    what = f"{context}: {problem}" if context else problem
    message = (
        f"{display_path(path)}: not valid YAML at {where}{about}: {what}; fix the syntax "
        "there (quote values that hold ': ', '#' or start with '*', '&' or '!')"
    )
    return ConfigError(scrub(message, _yaml_secrets(lines)))


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
    errors = exc.errors()
    secrets = [v for err in errors for v in _secret_values(err.get("input"))]
    for err in errors:
        key = ".".join(str(p) for p in err["loc"])
        if is_secret_key(key) or any(is_secret_key(str(p)) for p in err["loc"]):
            err = {**err, "input": MASK}
            if err["type"] == "value_error":
                err = {**err, "ctx": {"error": "is not valid (value not shown)"}}
        shown = (key_names or {}).get(key, key)
        leaf = shown.split(" ")[0] if shown.startswith("SPARKIFY_") else shown.rpartition(".")[2]
        fix = FIX_HINTS.get(key, "").format(name=leaf) or None
        if err["type"] == "extra_forbidden":
            parent = key.rpartition(".")[0]
            fix = f"remove it or check its spelling under {parent or 'the top level'}"
        line = f"{display_path(source)}: {shown}: {_describe(err, key)}"
        lines.append(f"{line}; {fix}" if fix else line)
    return ConfigError(scrub("\n".join(lines), secrets))
