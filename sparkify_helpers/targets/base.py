"""What a target is: where AWS calls go, which warehouse runs the SQL, what a run needs up.

The rest of the package asks its :class:`Target`; it never tests which one it has.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import boto3

from sparkify_helpers.aws.session import new_client
from sparkify_helpers.config import Settings

if TYPE_CHECKING:  # loaded by the target that opens one (pandas, sqlglot): not for a run's start
    from sparkify_helpers.warehouse import Warehouse


@dataclass(frozen=True)
class RunScope:
    """What a target started for one run: what the notebook kernels need, what was seeded."""

    environment: dict[str, str] = field(default_factory=dict)
    seeded: dict[str, Any] | None = None


class Target(ABC):
    """One deployment target; built by :func:`sparkify_helpers.targets.for_settings`."""

    kind: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def settings(self) -> Settings:
        """The validated settings this target was built from."""
        return self._settings

    def aws_client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service``, pointed at this target's endpoint."""
        return new_client(self.aws_session(), service, self.endpoint_url(), **config)

    @abstractmethod
    def describe(self) -> str:
        """One Markdown paragraph, in plain words, about where this target's calls go."""

    @abstractmethod
    def endpoint_url(self) -> str | None:
        """The AWS endpoint to call (None: AWS itself)."""

    @abstractmethod
    def aws_session(self) -> boto3.Session:
        """A boto3 session with this target's credentials (CredentialsError when none)."""

    @abstractmethod
    def open_warehouse(self, *, read_only: bool = False) -> Warehouse:
        """The warehouse of this target, speaking Redshift SQL (use it in a ``with`` block)."""

    @abstractmethod
    def sql_connection(self, *, headless: bool = False) -> Any:
        """What ``%sql`` takes for ad hoc, read-only questions; None when the cells skip."""

    def default_staging_prefix(self) -> str | None:
        """Where the load writes its manifests when ``load.staging_prefix`` is empty: nowhere
        by default (the setting is required); the local target has a folder of its bucket."""
        return None

    @abstractmethod
    def check_source(self, source: str | None) -> str | None:
        """``--source`` checked and normalised for this target (ConfigError when unusable)."""

    @abstractmethod
    def check_ready(self) -> None:
        """Refuse early (before any notebook runs) what would make a run fail later."""

    @abstractmethod
    def run_lock(self, run_id: str) -> AbstractContextManager[dict[str, Any]]:
        """Hold this target's warehouse for one run (WarehouseLockedError naming the holder)."""

    @abstractmethod
    def run_scope(
        self, source: str | None, events: int, seed: int
    ) -> AbstractContextManager[RunScope]:
        """Start what a run needs (and stop it after, whatever happens)."""

    @property
    @abstractmethod
    def dwh_cfg_path(self) -> Path:
        """Where the original project's ``dwh.cfg`` is written (no password in it)."""


def no_scope() -> Iterator[RunScope]:
    """A run scope that starts nothing."""
    yield RunScope()
