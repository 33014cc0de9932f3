"""boto3 sessions and clients, built from what a target decides: region, endpoint, credentials.

Nothing here asks which target is in use: a :class:`AwsAccess` (in practice a
``sparkify_helpers.targets.Target``) says where calls go, and every function of the ``aws``
package takes one.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from sparkify_helpers.aws.errors import CREDENTIALS_FIX
from sparkify_helpers.aws.listing import speed_up_listing
from sparkify_helpers.aws.timestamps import use_fast_timestamps
from sparkify_helpers.config import AwsKeyPair, Settings
from sparkify_helpers.errors import CredentialsError

log = logging.getLogger(__name__)

# One model loader for all sessions: parsing service JSON is the slow part of a new client.
_LOADER = botocore.loaders.create_loader()


class AwsAccess(Protocol):
    """What the ``aws`` functions need: the settings, and clients pointed where they belong."""

    @property
    def settings(self) -> Settings:
        """The validated settings of the target."""
        ...

    def aws_client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service`` with the target's endpoint and credentials."""
        ...

    def default_staging_prefix(self) -> str | None:
        """Where the load writes manifests when ``load.staging_prefix`` is empty, if anywhere."""
        ...


def new_session(region: str, **kwargs: Any) -> boto3.Session:
    """A fresh boto3 session (fresh credential lookup) sharing the cached service models,
    whose clients parse timestamps and S3 listings fast (:mod:`.timestamps`, :mod:`.listing`)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    use_fast_timestamps(core)
    speed_up_listing(core)
    return boto3.Session(botocore_session=core, region_name=region, **kwargs)


def key_pair_session(region: str, keys: AwsKeyPair) -> boto3.Session:
    """A session with an explicit key pair (held in memory only)."""
    return new_session(
        region,
        aws_access_key_id=keys.access_key_id.get_secret_value(),
        aws_secret_access_key=keys.secret_access_key.get_secret_value(),
    )


def chain_session(region: str, profile: str | None) -> boto3.Session:
    """A session from the standard credential chain; CredentialsError when it finds nothing."""
    try:
        session = new_session(region, profile_name=profile)
        found = session.get_credentials()
    except ProfileNotFound as exc:
        raise CredentialsError(f"{exc}; {CREDENTIALS_FIX}") from None
    if found is None:
        raise CredentialsError(
            f"no AWS credentials found for the redshift target; {CREDENTIALS_FIX}"
        )
    return session


def new_client(
    session: boto3.Session, service: str, endpoint_url: str | None, **config: Any
) -> Any:
    """A client with retries, pointed at ``endpoint_url`` (path-style S3 for an emulator)."""
    options: dict[str, Any] = {"retries": {"max_attempts": 5, "mode": "standard"}, **config}
    if endpoint_url and service == "s3":
        options.setdefault("s3", {"addressing_style": "path"})
    return session.client(service, endpoint_url=endpoint_url, config=Config(**options))


def client(access: AwsAccess, service: str, **config: Any) -> Any:
    """The target's boto3 client for ``service``."""
    return access.aws_client(service, **config)
