"""Split a batch of cached COPY files into JSON records, as Redshift's COPY does, with line numbers.

This is the exact reader: it handles every input, and the fast path (``fast``) falls back to
it for any batch it is not sure about. The rules are the Developer Guide's
(``copy-parameters-data-format.md``, "JSON data file"):

- a file is a set of JSON objects or arrays "separated by white space": several on one line,
  one spanning many lines, or ``}{`` with nothing between them all load;
- "non-white-space characters before locating a usable JSON structure, or between valid JSON
  objects or arrays" are an error for each instance: a run of them, up to the next line that
  starts with ``{`` or ``[``, is one rejected record (1216), reported at its first line;
- an object that does not parse is one rejected record ending before the next line that starts
  with ``{`` or ``[`` (so one broken line does not swallow the file; the guide does not say
  where Redshift resumes, see docs/redshift-fidelity.md);
- "The LINE_NUMBER column records the last line of the JSON object that caused the error";
- "The maximum size of a single JSON object or array ... is 4 MB ... the COPY command fails".

Bytes that are not UTF-8 are kept as they are read (``surrogateescape``): their record is
rejected with 1220, or with ACCEPTINVCHARS each invalid byte becomes the replacement character.
``raw_line`` shows each multibyte character and each invalid byte as a period
(``r_STL_LOAD_ERRORS.md``: "Multibyte characters in the load data are replaced with a
period"). A record holding a bare ``NaN`` or ``Infinity`` is rejected too (1216; DuckDB's
reader accepts them, JSON and Redshift do not, see :func:`non_json_number`). Python's ``json``
finds where each value ends (in C); DuckDB then checks and reads it.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable

import duckdb
import pandas as pd

from sparkify_helpers.copy.sqltext import sql_string
from sparkify_helpers.errors import CopyError

MAX_OBJECT_BYTES = 4 << 20
RAW_LINE_CHARS = 1024
_WHITESPACE = re.compile(r"[ \t\n\r\f]*")  # RE2's \s, as the fast path's blank lines
_RECORD_START = re.compile(r"(?:^|(?<=\n))[{\[]")
_INVALID_BYTE = re.compile("[\udc80-\udcff]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_DECODER = json.JSONDecoder()
# A bare NaN / Infinity / inf value (any case, signed), and a JSON string literal.
_NON_NUMBER = r"[\[:,]\s*[-+]?(?i:nan|inf)"
_STRING = r'"(?:[^"\\]|\\.)*"'


def non_json_number(column: str) -> str:
    """SQL: true when the JSON text in ``column`` holds a bare ``NaN`` or ``Infinity`` value.

    DuckDB's JSON reader accepts them (and ``inf``, ``nan``, in any case); JSON has no such
    value (Developer Guide ``copy-usage_notes-copy-from-json.md``: a value is a string, a
    number, true/false, null, an object or an array) and Redshift rejects the record. Cheap
    tests run on every record; strings are blanked out only for the rare ones they flag.
    """
    found = f"regexp_matches({{}}, {sql_string(_NON_NUMBER)})"
    unquoted = f"regexp_replace({column}, {sql_string(_STRING)}, '\"\"', 'g')"
    lowered = f"lower({column})"
    # CASE, not AND: DuckDB evaluates both sides of an AND for every row, a CASE condition
    # only for the rows still undecided (the substring test is ~3x cheaper than the regex,
    # which is ~5x cheaper than blanking the strings)
    return (
        f"(CASE WHEN contains({lowered}, 'nan') OR contains({lowered}, 'inf') THEN (CASE WHEN "
        f"{found.format(column)} THEN {found.format(unquoted)} ELSE false END) ELSE false END)"
    )


# One record: filename, line_number, text (valid UTF-8; None when it has invalid bytes and no
# ACCEPTINVCHARS), raw_line (only for records with invalid bytes: the others' is made in SQL,
# for the rejected ones only, by ``raw_line_sql``), parsed, bad_hex (the first invalid byte).
Record = tuple[str, int, "str | None", "str | None", bool, "str | None"]


def raw_line_sql(text: str) -> str:
    """SQL for Redshift's raw_line of a record's valid text: multibyte characters as periods."""
    return f"left(regexp_replace({text}, '[^\\x00-\\x7F]', '.', 'g'), {RAW_LINE_CHARS})"


class _Lines:
    """Line numbers (1-based) of positions in a text."""

    def __init__(self, text: str) -> None:
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def of(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1


def _next_start(text: str, position: int) -> int:
    """The first line start at or after ``position`` whose first character is ``{`` or ``[``."""
    match = _RECORD_START.search(text, position)
    return match.start() if match else len(text)


def _spans(text: str) -> Iterable[tuple[int, int, bool, bool]]:
    """``(start, end, parsed, garbage)`` of every record of a file's text."""
    pos, size = 0, len(text)
    while True:
        pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= size:
            return
        if text[pos] not in "{[":
            end = _next_start(text, pos + 1)
            yield pos, end, False, True
            pos = end
            continue
        try:
            _, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            end = _next_start(text, pos + 1)
            yield pos, end, False, False
        else:
            yield pos, end, True, False
        pos = end


def _size_check(piece: str, filename: str, line: int) -> None:
    """Fail the COPY for an object over 4 MB (copy-parameters-data-format.md)."""
    if len(piece) * 4 > MAX_OBJECT_BYTES and len(piece.encode("utf-8", "surrogateescape")) > (
        MAX_OBJECT_BYTES
    ):
        raise CopyError(
            f"The JSON object ending at line {line} of {filename} is larger than 4 MB, the "
            "maximum size of a single JSON object or array. Split it into smaller objects."
        )


def file_records(filename: str, data: bytes, acceptinvchars: str | None) -> list[Record]:
    """Every record of one file's bytes."""
    try:
        text, valid = data.decode("utf-8"), True
    except UnicodeDecodeError:
        text, valid = data.decode("utf-8", "surrogateescape"), False
    text = text.lstrip("\ufeff")  # as the fast path: leading byte-order marks are skipped
    lines = _Lines(text)
    replacement = (acceptinvchars or "?")[0] if acceptinvchars is not None else None
    records: list[Record] = []
    for start, end, parsed, garbage in _spans(text):
        piece = text[start:end].rstrip(" \t\n\r\f")
        line = lines.of(start) if garbage else lines.of(start + len(piece) - 1)
        if parsed:
            _size_check(piece, filename, line)
        invalid = None if valid else _INVALID_BYTE.search(piece)
        if invalid is None:
            records.append((filename, line, piece, None, parsed, None))
            continue
        raw_line = _NOT_ASCII.sub(".", piece[: RAW_LINE_CHARS * 2])[:RAW_LINE_CHARS]
        if replacement is not None:
            readable = _INVALID_BYTE.sub(replacement, piece)
            records.append((filename, line, readable, raw_line, parsed, None))
        else:
            bad_hex = f"{ord(invalid.group()) - 0xDC00:02x}"
            records.append((filename, line, None, raw_line, parsed, bad_hex))
    return records


def status_sql(source: str, json_objects_only: bool) -> str:
    """Records from ``source`` with a Redshift error code and reason for unreadable ones."""
    kinds = "('OBJECT')" if json_objects_only else "('OBJECT', 'ARRAY')"
    shape = "a JSON object" if json_objects_only else "a JSON object or array"
    return f"""
SELECT row_number() OVER () AS rec_id, filename, line_number, text, raw_line,
    CASE WHEN bad_hex IS NOT NULL THEN 1220
         WHEN non_number THEN 1216
         WHEN NOT parsed OR kind IS NULL THEN 1216
         WHEN kind NOT IN {kinds} THEN 1216 END AS status_code,
    CASE WHEN bad_hex IS NOT NULL THEN 'String contains invalid or unsupported UTF8 codepoints. '
            || 'Bad UTF8 hex sequence: ' || bad_hex || ' (error 3)'
         WHEN non_number THEN 'Invalid JSON object: NaN and Infinity are not JSON values'
         WHEN NOT parsed OR kind IS NULL THEN 'Invalid JSON object: the record is not valid JSON'
         WHEN kind NOT IN {kinds} THEN 'Invalid JSON object: expected {shape}'
         END AS status_reason
FROM (SELECT *, CASE WHEN parsed THEN try(json_type(text)) END AS kind,
        {non_json_number("text")} AS non_number FROM {source})
"""


def load_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: Iterable[tuple[str, bytes]],
    acceptinvchars: str | None,
    json_objects_only: bool,
) -> None:
    """Create temp table ``table`` with every record of the batch's ``(uri, bytes)`` files and
    its read status."""
    records = [r for uri, data in files for r in file_records(uri, data, acceptinvchars)]
    names = ("filename", "line_number", "text", "raw_line", "parsed", "bad_hex")
    frame = pd.DataFrame.from_records(records, columns=names)
    frame = frame.astype({"line_number": "int64", "parsed": "bool"})
    view = f"{table}_input"
    con.register(view, frame)
    try:
        source = (
            f"(SELECT filename::VARCHAR AS filename, line_number, text::VARCHAR AS text, "
            f"raw_line::VARCHAR AS raw_line, parsed, bad_hex::VARCHAR AS bad_hex FROM {view})"
        )
        con.execute(f"CREATE TEMP TABLE {table} AS {status_sql(source, json_objects_only)}")
    finally:
        con.unregister(view)
