"""Stored objects held in moto's bucket without their bytes: read from the kept file on use.

moto 5.2.6 keeps each object's bytes in its ``FakeKey`` (``_value_buffer``). A :class:`LazyKey`
is a ``FakeKey`` whose ``value`` is read from the store's kept file when something asks for it
(GET, a ranged GET, CopyObject, UploadPartCopy, S3 Select, pickling); its ETag, size and
LastModified (the kept file's mtime) come from the store's index, so listing and HEAD never
read the file. Before handing out bytes it checks that the kept file is still the one it
was registered with (its size, mtime_ns and inode, then the MD5 of what it read): a file gone
or changed behind the store's back answers an ``InternalError`` naming it, never other bytes
under the stored ETag. Setting
``value`` (moto's ``__setstate__``) makes it an ordinary in-memory key.

:class:`Registrar` puts such keys into a bucket. It is used only on the moto version it was
written against (the attributes of a ``FakeKey`` are checked too); elsewhere
:func:`registrar` gives None and the store loads bytes into moto as before.
"""

from __future__ import annotations

import datetime
import os
import tempfile
import threading
from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeKey
from moto.utilities.utils import LowercaseDict

from sparkify_helpers.emulator.storeindex import Kept, md5_hex

MOTO_VERSION = "5.2.6"
# A FakeKey's attributes in moto 5.2.6: a clone sets or copies exactly these (checked).
_ATTRS = frozenset(
    [
        "_transitions",
        "_status",
        "_tick",
        "_time_progressed",
        "model_name",
        "name",
        "account_id",
        "region_name",
        "partition",
        "last_modified",
        "acl",
        "website_redirect_location",
        "checksum_algorithm",
        "_storage_class",
        "_metadata",
        "_expiry",
        "_etag",
        "_version_id",
        "_is_versioned",
        "multipart",
        "bucket_name",
        "_max_buffer_size",
        "_value_buffer",
        "disposed",
        "contentsize",
        "lock",
        "encryption",
        "kms_key_id",
        "bucket_key_enabled",
        "lock_mode",
        "lock_legal_status",
        "lock_until",
        "checksum_value",
        "checksum_type",
        "checksum_parts",
    ]
)


_CHANGED = "was changed outside the emulator"
_DELETED = "was deleted outside the emulator"


class KeptFileError(S3ClientError):
    """A lazily held object whose kept file is gone or was changed outside the store."""

    def __init__(self, bucket: str, key: str, path: str, what: str) -> None:
        super().__init__(
            "InternalError",
            f"the emulator's stored copy of s3://{bucket}/{key} ({path}) {what}; seed the "
            "bucket again (sparkify run) to restore it",
        )


class LazyKey(FakeKey):
    """A FakeKey whose bytes stay in the kept file ``path`` until asked for."""

    path: str | None = None
    kept: Kept | None = None
    damaged = False  # its kept file was found gone or changed: the next seeding rewrites it

    @property
    def value(self) -> bytes:
        if self.path is None or self.kept is None:
            return FakeKey.value.fget(self)  # type: ignore[attr-defined]
        return self._read(self.path, self.kept)

    @value.setter
    def value(self, new_value: bytes) -> None:
        self.path = None  # held in memory from now on
        FakeKey.value.fset(self, new_value)  # type: ignore[attr-defined]

    def _read(self, path: str, kept: Kept) -> bytes:
        try:
            return self._checked(path, kept)
        except KeptFileError:
            self.damaged = True
            raise

    def _checked(self, path: str, kept: Kept) -> bytes:
        try:
            with open(path, "rb") as handle:
                st = os.fstat(handle.fileno())
                if not kept.matches(st):
                    raise KeptFileError(self.bucket_name or "", self.name, path, _CHANGED)
                data = handle.read()
        except FileNotFoundError:
            raise KeptFileError(self.bucket_name or "", self.name, path, _DELETED) from None
        except OSError as exc:  # unreadable: say so, as S3's InternalError
            what = f"cannot be read ({exc.strerror})"
            raise KeptFileError(self.bucket_name or "", self.name, path, what) from exc
        if len(data) != kept.size or md5_hex(data) != kept.md5:
            raise KeptFileError(self.bucket_name or "", self.name, path, _CHANGED)
        return data


def _utc(mtime_ns: int) -> datetime.datetime:
    """A naive UTC datetime, as moto's own ``utcnow()`` gives."""
    stamp = datetime.datetime.fromtimestamp(mtime_ns / 1e9, datetime.timezone.utc)
    return stamp.replace(tzinfo=None)


class Registrar:
    """Puts lazy keys into one backend's buckets, cloning a prototype key (moto's constructor
    costs about 20 µs a key; a clone a few)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.proto = LazyKey(
            name="", value=b"", account_id=backend.account_id, region_name="us-east-1"
        )
        if set(vars(self.proto)) - {"path"} != _ATTRS:
            raise TypeError(f"moto's FakeKey attributes changed: {sorted(vars(self.proto))}")

    def register(self, bucket_name: str, key: str, path: str, kept: Kept) -> bool:
        """Hold ``key`` in the bucket as the kept file ``path``; False (nothing done) when the
        bucket keeps versions (then the caller puts the bytes)."""
        bucket = self.backend.get_bucket(bucket_name)
        if bucket.is_versioned:
            return False
        proto = self.proto
        lazy = object.__new__(LazyKey)  # not tracked by moto: there are no bytes to dispose
        metadata = object.__new__(LowercaseDict)  # its constructor costs 10 µs
        metadata.store = proto._metadata.store.copy()
        state = proto.__dict__.copy()
        state.update(
            name=key,
            bucket_name=bucket_name,
            region_name=bucket.region_name,
            partition=bucket.partition,
            last_modified=_utc(kept.mtime_ns),
            _etag=kept.md5,
            contentsize=kept.size,
            _metadata=metadata,
            _value_buffer=tempfile.SpooledTemporaryFile(proto._max_buffer_size),  # noqa: SIM115 (as moto)
            lock=threading.Lock(),
            _version_id="null",
            path=path,
            kept=kept,
        )
        lazy.__dict__ = state
        bucket.keys.setlist(key, [lazy])
        return True


def registrar(backend: Any) -> Registrar | None:
    """A Registrar for ``backend``, or None on a moto these internals do not match."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        return None
    try:
        return Registrar(backend)
    except (TypeError, AttributeError):
        return None
