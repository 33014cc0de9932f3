"""Parse a rendered Amazon Redshift ``COPY`` statement into a typed :class:`CopyCommand`.

sqlglot 30 does not parse COPY options faithfully (it pairs flag options such as
``TRUNCATECOLUMNS BLANKSASNULL`` as key and value), so this module has a small tokenizer
and a parser for the JSON subset of COPY the warehouse uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sparkify_helpers.errors import CopyError

_TOKEN = re.compile(
    r"""
    \s+
  | --[^\n]*
  | /\*.*?\*/
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<number>\d+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<punct>[().,;])
    """,
    re.VERBOSE | re.DOTALL,
)

_FLAGS = {
    "TRUNCATECOLUMNS": "truncatecolumns",
    "BLANKSASNULL": "blanksasnull",
    "EMPTYASNULL": "emptyasnull",
    "GZIP": "gzip",
    "MANIFEST": "manifest",
    "ROUNDEC": "roundec",
    "NOLOAD": "noload",
    "EXPLICIT_IDS": "explicit_ids",
}
_ON_OFF = {"ON", "OFF", "TRUE", "FALSE", "PRESET"}
_JSON_MODES = {"auto", "auto ignorecase"}


@dataclass(frozen=True)
class CopyCommand:
    """One COPY statement: target, source and the options that change what loads."""

    table: str
    columns: tuple[str, ...] | None
    source: str
    json: str = "auto"
    iam_role: str | None = None
    credentials: str | None = None
    region: str | None = None
    timeformat: str | None = None
    dateformat: str | None = None
    truncatecolumns: bool = False
    blanksasnull: bool = False
    emptyasnull: bool = False
    gzip: bool = False
    manifest: bool = False
    maxerror: int = 0
    acceptinvchars: str | None = None
    roundec: bool = False
    noload: bool = False
    explicit_ids: bool = False

    @property
    def jsonpaths_uri(self) -> str | None:
        """The S3 URI of the JSONPaths file, or None for ``'auto'`` mapping."""
        return None if self.json.lower() in _JSON_MODES else self.json

    @property
    def ignorecase(self) -> bool:
        """True for ``JSON 'auto ignorecase'``."""
        return self.json.lower() == "auto ignorecase"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    @property
    def value(self) -> str:
        """The token's value: unquoted for string and quoted-identifier tokens."""
        if self.kind == "string":
            return self.text[1:-1].replace("''", "'")
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        return self.text


def _tokenize(sql: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        if match is None:
            raise CopyError(
                f"Cannot parse COPY statement near {sql[pos : pos + 30]!r}: "
                "check the statement's quoting."
            )
        pos = match.end()
        if match.lastgroup:
            tokens.append(_Token(match.lastgroup, match.group()))
    return tokens


class _Parser:
    """A cursor over COPY tokens with the small helpers the grammar needs."""

    def __init__(self, sql: str) -> None:
        self.tokens = [t for t in _tokenize(sql) if t.text != ";"]
        self.pos = 0

    def peek(self) -> _Token | None:
        """The next token without consuming it (None at the end)."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def peek_text(self) -> str | None:
        """The next token's text without consuming it (None at the end)."""
        token = self.peek()
        return None if token is None else token.text

    def next(self, what: str) -> _Token:
        """Consume the next token; ``what`` names it in the error at the end of input."""
        token = self.peek()
        if token is None:
            raise CopyError(f"COPY statement ends early: expected {what}.")
        self.pos += 1
        return token

    def keyword(self, *words: str) -> str | None:
        """Consume and return the next token if it is one of ``words`` (case-insensitive)."""
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() in words:
            self.pos += 1
            return token.text.upper()
        return None

    def expect_keyword(self, word: str) -> None:
        """Consume ``word`` or raise CopyError."""
        if self.keyword(word) is None:
            found = self.peek()
            raise CopyError(
                f"COPY statement: expected {word}, found {found.text if found else 'the end'!r}."
            )

    def string(self, option: str) -> str:
        """Consume ``[AS] 'value'`` after ``option`` and return the unquoted value."""
        self.keyword("AS")
        token = self.next(f"a quoted value after {option}")
        if token.kind != "string":
            raise CopyError(f"COPY option {option} needs a quoted value, found {token.text!r}.")
        return token.value

    def identifier(self) -> str:
        """Consume a name: unquoted names fold to lowercase as in Redshift."""
        token = self.next("a name")
        if token.kind not in ("word", "quoted"):
            raise CopyError(f"COPY statement: expected a name, found {token.text!r}.")
        return token.value if token.kind == "quoted" else token.text.lower()


def parse_copy(sql: str) -> CopyCommand:
    """Parse a Redshift COPY statement; raise CopyError naming any unsupported option."""
    p = _Parser(sql)
    p.expect_keyword("COPY")
    parts = [p.identifier()]
    while p.peek_text() == ".":
        p.next(".")
        parts.append(p.identifier())
    columns = None
    if p.peek_text() == "(":
        p.next("(")
        columns = [p.identifier()]
        while p.next("',' or ')'").text == ",":
            columns.append(p.identifier())
    p.expect_keyword("FROM")
    source = p.string("FROM")
    options: dict[str, object] = {}
    while (token := p.peek()) is not None:
        _parse_option(p, token, options)
    return CopyCommand(
        table=".".join(parts),
        columns=tuple(columns) if columns else None,
        source=source,
        **options,  # type: ignore[arg-type]
    )


def _parse_option(p: _Parser, token: _Token, options: dict[str, object]) -> None:
    """Consume one option (with its argument) and record it in ``options``."""
    word = token.text.upper() if token.kind == "word" else token.text
    p.pos += 1
    if word in _FLAGS:
        options[_FLAGS[word]] = True
    elif word == "IAM_ROLE":
        options["iam_role"] = "default" if p.keyword("DEFAULT") else p.string(word)
    elif word == "CREDENTIALS":
        options["credentials"] = p.string(word)
    elif word in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"):
        options["credentials"] = "<key-based>"
        p.string(word)
    elif word == "REGION":
        options["region"] = p.string(word)
    elif word in ("FORMAT", "JSON"):
        if word == "FORMAT":
            p.keyword("AS")
            fmt = p.next("a data format after FORMAT AS").text.upper()
            if fmt != "JSON":
                raise CopyError(
                    f"COPY FORMAT AS {fmt} is not supported by the local COPY emulation "
                    "(only JSON): load JSON files or use the redshift target."
                )
        nxt = p.peek()
        has_arg = nxt is not None and (nxt.kind == "string" or nxt.text.upper() == "AS")
        mode = p.string("JSON") if has_arg else "auto"
        if mode.lower() not in _JSON_MODES and not mode.startswith("s3://"):
            raise CopyError(
                f"JSON {mode!r} is not supported by the local COPY emulation: use 'auto', "
                "'auto ignorecase' or the s3:// URI of a JSONPaths file."
            )
        options["json"] = mode
    elif word in ("TIMEFORMAT", "DATEFORMAT"):
        options[word.lower()] = p.string(word)
    elif word == "MAXERROR":
        p.keyword("AS")
        number = p.next("a number after MAXERROR")
        if number.kind != "number":
            raise CopyError(f"MAXERROR needs a whole number, found {number.text!r}.")
        options["maxerror"] = int(number.text)
    elif word == "ACCEPTINVCHARS":
        p.keyword("AS")
        nxt = p.peek()
        options["acceptinvchars"] = p.string(word) if nxt and nxt.kind == "string" else "?"
    elif word in ("COMPUPDATE", "STATUPDATE"):
        p.keyword(*_ON_OFF)
    else:
        raise CopyError(
            f"COPY option {token.text!r} is not supported by the local COPY emulation. "
            "Supported: IAM_ROLE, CREDENTIALS, REGION, FORMAT AS JSON, TIMEFORMAT, DATEFORMAT, "
            "TRUNCATECOLUMNS, BLANKSASNULL, EMPTYASNULL, GZIP, MANIFEST, MAXERROR, "
            "ACCEPTINVCHARS, ROUNDEC, NOLOAD, EXPLICIT_IDS, COMPUPDATE, STATUPDATE."
        )
