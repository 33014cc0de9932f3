"""A faster reading of S3 ``ListObjectsV2`` answers (the COPY's and the ledger's listings).

botocore turns a listing's XML into dicts in Python, element by element: a 15,000-key answer
(3.3 MB) costs it 0.34 to 0.42 s even with the package's timestamp parser, this reader 0.16 s
(``benchmarks/RESULTS.md``, "Tiny files: 03_load"). A first run lists the song files twice
(the ledger's plan, then the COPY's manifest check).

:func:`speed_up_listing` registers a ``before-parse`` handler on a botocore session, so on
every client made from it (botocore's hook for this: what the handler puts in
``customized_response_dict`` is merged into the parsed response). The handler reads the
answer's ``Contents`` elements with ElementTree into the dicts botocore would build, and cuts
them out of the body botocore still parses (the rest: ``IsTruncated``, the continuation
token, ``EncodingType``). botocore's after-call
handlers run as before (they URL-decode the keys). Anything unexpected (an element it does
not know, an error answer) is left to botocore whole.

botocore first checks every S3 answer for an error inside a 200 answer (``_handle_200_error``:
it parses the whole body, half the cost of reading a listing). The handler takes its place,
first on ``before-parse.s3.*``: it takes a listing's objects out, then runs botocore's check on
what is left (a truncated answer is still malformed there, an ``<Error>`` answer has no
objects and is checked whole). A botocore without that check gets the handler on the listing
alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from botocore import handlers as botocore_handlers

from sparkify_helpers.aws import timestamps

EVENT = "before-parse.s3.ListObjectsV2"
S3_EVENT = "before-parse.s3.*"
# botocore's check for an error inside a 200 answer (private: absent, the handler goes after it)
_CHECK_200 = getattr(botocore_handlers, "_handle_200_error", None)
_HANDLER_ID = "sparkify-fast-list-objects-v2"
_OPEN, _CLOSE = b"<Contents>", b"</Contents>"
_TEXT = frozenset({"Key", "ETag", "StorageClass", "ChecksumType"})
_OWNER = frozenset({"ID", "DisplayName"})


def speed_up_listing(events: Any) -> None:
    """Make the clients of ``events`` (a botocore session, or one client's ``meta.events``)
    read their ListObjectsV2 answers with :func:`_read_contents`."""
    if _CHECK_200 is None:
        events.register(EVENT, _before_parse, unique_id=_HANDLER_ID)
        return
    if hasattr(events, "get_component"):  # a session: its emitter has register_first
        events = events.get_component("event_emitter")
    events.unregister(S3_EVENT, _CHECK_200)
    events.register_first(S3_EVENT, _before_parse_s3, unique_id=_HANDLER_ID)


def _before_parse_s3(operation_model: Any, response_dict: dict, **kwargs: Any) -> None:
    """First on every S3 answer: a listing's objects are taken out, then botocore's check for
    an error inside a 200 answer reads what is left."""
    if operation_model.name == "ListObjectsV2":
        _before_parse(response_dict=response_dict, **kwargs)
    assert _CHECK_200 is not None
    _CHECK_200(operation_model=operation_model, response_dict=response_dict, **kwargs)


def _item(element: ET.Element) -> dict[str, Any] | None:
    """One ``Contents`` element as botocore parses it, or None for a part it does not know
    (the elements are read without their namespace: a tag that has one is not known)."""
    item: dict[str, Any] = {}
    for child in element:
        name, text = child.tag, child.text or ""
        if len(child):
            if name != "Owner" or any(c.tag not in _OWNER for c in child):
                return None
            item[name] = {c.tag: c.text or "" for c in child}
        elif name in _TEXT:
            item[name] = text
        elif name == "Size":
            item[name] = int(text)
        elif name == "LastModified":
            item[name] = timestamps.parse_timestamp(text)
        elif name == "ChecksumAlgorithm":
            item.setdefault(name, []).append(text)
        else:
            return None
    return item


def _read_contents(body: bytes) -> tuple[list[dict[str, Any]], bytes] | None:
    """The answer's objects and its body without them, or None to leave it to botocore."""
    start, end = body.find(_OPEN), body.rfind(_CLOSE)
    if start < 0 or end < start:
        return None
    try:
        elements = ET.fromstring(b"<c>" + body[start : end + len(_CLOSE)] + b"</c>")
    except ET.ParseError:
        return None
    items = []
    for element in elements:
        item = _item(element) if element.tag == "Contents" else None
        if item is None:
            return None
        items.append(item)
    return items, body[:start] + body[end + len(_CLOSE) :]


def _before_parse(response_dict: dict, customized_response_dict: dict, **_: Any) -> None:
    """botocore's ``before-parse`` hook: take the objects out of a successful listing."""
    body = response_dict.get("body")
    if response_dict.get("status_code") != 200 or not isinstance(body, bytes):
        return
    read = _read_contents(body)
    if read is None:
        return
    customized_response_dict["Contents"], response_dict["body"] = read
