"""The ``local`` target: moto's server for the AWS calls, an embedded DuckDB warehouse.

It owns what only a laptop run needs: starting and stopping the emulator, filling its
bucket (from ``--source`` or a cached, seeded synthetic dataset) and the DuckDB file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from pydantic import SecretStr

from sparkify_helpers import emulator, paths, run_lock
from sparkify_helpers.aws.session import key_pair_session
from sparkify_helpers.config import ENDPOINT_ENV, AwsKeyPair
from sparkify_helpers.duckdb_file import open_duckdb
from sparkify_helpers.errors import ConfigError, EmulatorError
from sparkify_helpers.targets.base import RunScope, Target

if TYPE_CHECKING:  # the warehouse's modules (pandas, sqlglot, SQLAlchemy) load when opened:
    # ``sparkify run`` starts its emulator without them
    import sqlalchemy

    from sparkify_helpers.warehouse.local import LocalWarehouse

log = logging.getLogger(__name__)

LOCAL_STAGING_FOLDER = "sparkify-staging"  # the load's manifests, in the emulator's bucket

# The emulator accepts any credentials; these are never sent to AWS.
EMULATOR_KEYS = AwsKeyPair(
    access_key_id=SecretStr("testing"), secret_access_key=SecretStr("testing")
)
# one session per region for this process: its keys never change, and a session builds its
# event hooks and endpoint data once for all its clients (a new one per client costs ~20 ms);
# boto3 sessions are not thread-safe, so clients are made under the lock
_SESSIONS: dict[str, boto3.Session] = {}
_SESSIONS_LOCK = threading.RLock()
SOURCE_LAYOUT = "song_data/, log_data/ and log_json_path.json (the public bucket's layout)"


def generated_source(events: int, seed: int) -> Path:
    """A cached synthetic dataset for runs without ``--source`` (regenerated if incomplete)."""
    folder = paths.state_dir() / "generated" / f"events-{events}-seed-{seed}"
    manifest = folder / "_generated.json"
    done = manifest.exists() and json.loads(manifest.read_text()).get("complete") is True
    if not done:
        from sparkify_helpers import datagen  # numpy: only when there is a dataset to make

        log.info("%s", datagen.generate(folder, events=events, seed=seed, progress=False))
    return folder


class LocalTarget(Target):
    """AWS calls to the local emulator; the warehouse is a DuckDB file."""

    kind = "local"

    def describe(self) -> str:
        try:
            where = f"`{self.endpoint_url()}`"
        except EmulatorError:
            where = "(not running yet: start it with `sparkify emulator start`)"
        return (
            f"**Local target.** AWS calls go to a local emulator (moto) at {where}; nothing "
            "is created in a real AWS account and nothing costs money. The warehouse is the "
            f"DuckDB file `{self.settings.local.warehouse_path}`."
        )

    def default_staging_prefix(self) -> str:
        """A folder of the emulator's bucket (seeding mirrors ``--source`` and prunes it)."""
        return f"s3://{self.settings.source.bucket}/{LOCAL_STAGING_FOLDER}"

    def endpoint_url(self) -> str:
        """The configured endpoint, else the running emulator's (EmulatorError when none)."""
        configured = self.settings.aws.endpoint_url
        if configured:
            return configured
        info = emulator.status()
        if info is None:
            raise EmulatorError(
                "the local target needs the AWS emulator, and none is running; "
                "run: sparkify emulator start (or use `sparkify run`, which starts one)"
            )
        return info.endpoint_url

    def aws_session(self) -> boto3.Session:
        """The emulator's session of this region, shared by this process's local targets."""
        region = self.settings.aws.region
        with _SESSIONS_LOCK:
            if region not in _SESSIONS:
                _SESSIONS[region] = key_pair_session(region, EMULATOR_KEYS)
            return _SESSIONS[region]

    def aws_client(self, service: str, **config: Any) -> Any:
        with _SESSIONS_LOCK:  # the shared session makes one client at a time
            return super().aws_client(service, **config)

    def open_warehouse(self, *, read_only: bool = False) -> LocalWarehouse:
        from sparkify_helpers.warehouse.local import LocalWarehouse

        return LocalWarehouse(self, read_only=read_only)

    def sql_connection(self, *, headless: bool = False) -> sqlalchemy.Engine:
        """A read-only SQLAlchemy engine on the DuckDB file that translates Redshift SQL
        (a missing or held file says what to do)."""
        from sparkify_helpers.warehouse.sql_engine import local_engine

        return local_engine(Path(self.settings.local.warehouse_path))

    def check_source(self, source: str | None) -> str | None:
        if source is None:
            return None
        if source.startswith("s3://"):
            raise ConfigError(
                f"--source {source}: the local target reads its emulator's bucket; pass a "
                f"local folder holding {SOURCE_LAYOUT}, or use config/redshift.yaml to read "
                "S3 directly."
            )
        folder = Path(source).expanduser().resolve()
        if not (folder / "song_data").is_dir() or not (folder / "log_data").is_dir():
            raise ConfigError(f"--source {source}: expected a folder holding {SOURCE_LAYOUT}.")
        return str(folder)

    def check_ready(self) -> None:
        """A warehouse file held by another process (a ``%sql`` session) is refused now."""
        path = Path(self.settings.local.warehouse_path)
        if path.exists():
            open_duckdb(path).close()  # WarehouseLockedError naming the holder

    def run_lock(self, run_id: str) -> AbstractContextManager[dict[str, Any]]:
        """An exclusive flock on ``<warehouse>.lock`` beside the DuckDB file, for the run."""
        path = Path(self.settings.local.warehouse_path)
        lock_file = path.with_name(f"{path.name}.lock")
        return run_lock.held(lock_file, run_id, f"the local warehouse {path}")

    def run_scope(
        self, source: str | None, events: int, seed: int
    ) -> AbstractContextManager[RunScope]:
        return self._run_scope(source, events, seed)

    @contextmanager
    def _run_scope(self, source: str | None, events: int, seed: int) -> Iterator[RunScope]:
        region = self.settings.aws.region
        with emulator.running(store=paths.bucket_store_dir(), region=region) as info:
            seeded = self.seed(source, events, seed, info)
            yield RunScope(environment={ENDPOINT_ENV: info.endpoint_url}, seeded=seeded)

    def with_endpoint(self, endpoint_url: str) -> LocalTarget:
        """The same target with its AWS calls pinned to ``endpoint_url``."""
        return LocalTarget(self.settings.with_overrides(endpoint_url=endpoint_url))

    def seed(
        self, source: str | None, events: int, seed: int, info: emulator.EmulatorInfo
    ) -> dict[str, Any]:
        """Make the bucket of the emulator ``info`` mirror ``source`` (a folder) or a generated
        dataset. Only objects the bucket does not already hold are written; see
        :func:`emulator.seed_bucket`.
        """
        folder = Path(source) if source else generated_source(events, seed)
        summary = emulator.seed_bucket(
            info,
            folder,
            self.settings.source.bucket,
            self.settings.aws.region,
            cache_dir=paths.copy_cache_dir(),
        )
        seeded = {"folder": str(folder), **dataclasses.asdict(summary)}
        log.info("%s", seeded_sentence(seeded))
        return seeded

    @property
    def dwh_cfg_path(self) -> Path:
        return paths.state_dir() / "dwh.cfg"

    def __repr__(self) -> str:
        return f"LocalTarget({str(self.settings.local.warehouse_path)!r})"


def seeded_sentence(seeded: dict[str, Any]) -> str:
    """What :meth:`LocalTarget.seed` returned, as one line for the console: ``seeded 2,033
    objects (10.0 MB) into s3://b from FOLDER in 8.9 s: 12 written, 2,021 already there,
    0 removed``."""
    size = f"{seeded['bytes'] / 1e6:,.1f} MB"
    where = f"s3://{seeded['bucket']} from {seeded['folder']}"
    work = ""
    if "uploaded" in seeded:
        held = seeded["objects"] - seeded["uploaded"]
        work = f": {seeded['uploaded']:,} written, {held:,} already there, "
        work += f"{seeded['removed']:,} removed"
    return (
        f"seeded {seeded['objects']:,} objects ({size}) into {where} in {seeded['seconds']:.1f} s"
        + work
    )
