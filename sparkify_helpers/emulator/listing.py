"""ListObjectsV2 answered cheaply inside the emulator's process.

moto 5.2.6 builds the ListObjectsV2 result as a dict and hands it to its generic serializer,
which walks the botocore shape per field and re-parses every ``LastModified`` with dateutil:
about 3 s for 20,000 keys. :func:`install` makes the emulator render that same dict straight to
XML (same elements, order, namespace and escaping as moto's output; the tests compare them
byte for byte). Everything else stays moto's: request parsing, errors, the listing itself,
and the serialization of any result this renderer does not cover (``fetch-owner``'s owners,
a prettified response, a timestamp of another form).

Only the emulator's server (:mod:`.serve`) installs it. On another moto version it is not
installed (moto's own path answers); on 5.2.6 without the internals it relies on, installing
fails loudly.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import escape

log = logging.getLogger(__name__)

MOTO_VERSION = "5.2.6"  # the version whose output the renderer reproduces (tests compare)
_CALL = "self.serialized(ActionResult(result))"  # how moto's list_objects_v2 ends
_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
_TAIL = "</ListBucketResult>"
# The members of botocore's ListObjectsV2Output in its order (moto's element order).
_ORDER = (
    "IsTruncated",
    "Contents",
    "Name",
    "Prefix",
    "Delimiter",
    "MaxKeys",
    "CommonPrefixes",
    "EncodingType",
    "KeyCount",
    "ContinuationToken",
    "NextContinuationToken",
    "StartAfter",
)
_ITEM_KEYS = {"Key", "LastModified", "ETag", "Size", "StorageClass"}
_ITEM_OPTIONAL = _ITEM_KEYS | {"ChecksumAlgorithm"}  # moto adds it for a checksummed PUT
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z")  # moto's S3 form, as it emits it
_ORIGINAL: list[Any] = []  # moto's S3Response.serialized while installed


class ListingError(RuntimeError):
    """moto's internals are not those the fast ListObjectsV2 path was written against."""


def _text(name: str, value: Any) -> str | None:
    """One scalar element as moto writes it; None for a value of a type not covered."""
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    if isinstance(value, str):
        return f"<{name}>{escape(value)}</{name}>" if value else f"<{name}/>"
    return None


def _contents(items: list[Any]) -> list[str] | None:
    out = []
    for item in items:
        if not isinstance(item, dict) or not _ITEM_KEYS <= item.keys() <= _ITEM_OPTIONAL:
            return None
        key, stamp, etag, size, klass = (
            item["Key"],
            item["LastModified"],
            item["ETag"],
            item["Size"],
            item["StorageClass"],
        )
        checksums = item.get("ChecksumAlgorithm", [])
        if not (
            isinstance(key, str)
            and isinstance(stamp, str)
            and _TIMESTAMP.fullmatch(stamp)
            and isinstance(etag, str)
            and type(size) is int
            and isinstance(klass, str)
            and key
            and etag
            and klass
            and isinstance(checksums, list)
            and all(isinstance(c, str) and c for c in checksums)
        ):
            return None
        algorithms = "".join(
            f"<ChecksumAlgorithm>{escape(c)}</ChecksumAlgorithm>" for c in checksums
        )
        out.append(
            f"<Contents><Key>{escape(key)}</Key><LastModified>{stamp}</LastModified>"
            f"<ETag>{escape(etag)}</ETag>{algorithms}<Size>{size}</Size>"
            f"<StorageClass>{escape(klass)}</StorageClass></Contents>"
        )
    return out


def _prefixes(items: list[Any]) -> list[str] | None:
    out = []
    for item in items:
        if not isinstance(item, dict) or item.keys() != {"Prefix"}:
            return None
        prefix = item["Prefix"]
        if not isinstance(prefix, str) or not prefix:
            return None
        out.append(f"<CommonPrefixes><Prefix>{escape(prefix)}</Prefix></CommonPrefixes>")
    return out


def render(result: dict[str, Any]) -> str | None:
    """The XML body moto 5.2.6 gives for the ListObjectsV2 ``result`` dict its S3Response
    builds; None when the result holds anything this renderer does not cover."""
    if not set(result) <= set(_ORDER):
        return None
    parts = [_HEAD]
    for name in _ORDER:
        if name not in result or result[name] is None:
            continue
        value = result[name]
        if name in ("Contents", "CommonPrefixes"):
            if not isinstance(value, list):
                return None
            many = _contents(value) if name == "Contents" else _prefixes(value)
            if many is None:
                return None
            parts.extend(many)
        else:
            one = _text(name, value)
            if one is None:
                return None
            parts.append(one)
    parts.append(_TAIL)
    return "".join(parts)


def _serialized(self: Any, action_result: Any) -> Any:
    """S3Response.serialized, rendering a covered ListObjectsV2 result itself."""
    from moto import settings
    from moto.core.responses import ActionResult

    original = _ORIGINAL[0]
    if (
        type(action_result) is ActionResult
        and getattr(self, "data", {}).get("Action") == "ListObjectsV2"
        and isinstance(action_result.result, dict)
        and not settings.PRETTIFY_RESPONSES
    ):
        body = render(action_result.result)
        if body is not None:
            headers: dict[str, Any] = {"Content-Type": "application/xml"}  # as moto's, in order
            headers.update(self.response_headers)
            headers.update({"status": 200})
            return 200, headers, body
    return original(self, action_result)


def _check_internals() -> Any:
    """moto's S3Response, after checking it ends list_objects_v2 the way this module expects."""
    from moto.core.responses import ActionResult, BaseResponse
    from moto.s3.responses import S3Response

    method = getattr(S3Response, "list_objects_v2", None)
    inherited = "serialized" not in vars(S3Response) or bool(_ORIGINAL)
    if method is None or not callable(getattr(BaseResponse, "serialized", None)) or not inherited:
        raise ListingError(
            f"moto {MOTO_VERSION}'s S3Response.list_objects_v2 or BaseResponse.serialized is "
            "missing (or S3Response has a serialized of its own): reinstall the project "
            "(`make install`) to get a matching moto"
        )
    if _CALL not in inspect.getsource(method) or not hasattr(ActionResult, "result"):
        raise ListingError(
            "moto's S3Response.list_objects_v2 no longer ends with "
            f"`{_CALL}`: the emulator's fast ListObjectsV2 path does not match this moto"
        )
    return S3Response


def install() -> bool:
    """Route the emulator's ListObjectsV2 serialization through :func:`render`; False (and a
    warning) when moto is not the version it reproduces. ListingError when moto 5.2.6 lacks
    the internals it relies on."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        log.warning(
            "moto %s (not %s): ListObjectsV2 is served by moto's own, slower path",
            moto.__version__,
            MOTO_VERSION,
        )
        return False
    s3_response = _check_internals()
    if not _ORIGINAL:
        _ORIGINAL.append(s3_response.serialized)
        s3_response.serialized = _serialized
    return True


def uninstall() -> None:
    """Give S3Response its own serialization back (tests compare both)."""
    from moto.s3.responses import S3Response

    if _ORIGINAL:
        _ORIGINAL.pop()
        delattr(S3Response, "serialized")  # BaseResponse's again (checked at install)


@contextmanager
def installed() -> Iterator[bool]:
    """:func:`install` for the duration of a ``with`` block."""
    try:
        yield install()
    finally:
        uninstall()
