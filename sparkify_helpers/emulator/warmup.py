"""moto's first call to a service, paid in the background while the emulator starts.

A fresh moto server makes each service's backend on its first request: IAM loads AWS's
managed policies (about 0.15 s of CPU; the emulator loads them so roles can attach them;
:mod:`.motostart` spares it the backends of the five other partitions that moto's request
path would make), EC2 sets up the default VPC and security groups (about 1 s), and each
service's botocore model is parsed.
Notebook 01 waits for all of that. :func:`start` does it in a daemon thread right after the
server starts answering, in the server's idle moments (between seeding requests, while the
run starts its kernel), so it overlaps with them without slowing them down.

It goes through the accessor a request uses (``get_backend(service)[account][region]``),
which creates a backend under moto's global ``backend_lock`` only if none exists: a request
that arrives during the warm-up waits for that lock and then uses the same backend, never a
second one. Any failure is logged and left to the request that needs the service.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

# Notebook 01's services (aws.provision / plan / connection_details): region "global" for
# IAM's partition-wide backend.
SERVICES = (("iam", "global"), ("ec2", None), ("redshift", None))


def warm(
    account: str, regions: Iterable[str], idle: Callable[[], None] = lambda: None
) -> list[str]:
    """Make the backends of :data:`SERVICES` for ``account`` in ``regions`` and parse their
    models, one step at a time, each after ``idle()`` returns; the ``service/region`` names
    warmed."""
    import moto.iam.models
    from moto.backends import get_backend as typed_get_backend
    from moto.core.utils import get_service_model
    from moto.utilities.utils import PARTITION_NAMES

    from sparkify_helpers.emulator.motostart import account_of

    get_backend: Any = typed_get_backend  # typed per literal service name
    done = []
    for service, fixed in SERVICES:
        idle()
        importlib.import_module(f"moto.{service}.responses")
        get_service_model(service)
        for region in [fixed] if fixed else list(regions):
            idle()
            get_backend(service)[account][region]  # noqa: B018 (creates it, under moto's lock)
            done.append(f"{service}/{region}")
    if moto.iam.models.get_account_id_from is account_of:  # looks in the backends made
        return done
    # moto's own get_account_id_from (every request) makes the IAM backend of each partition
    # (each loading the managed policies) once an account exists: a partition per step.
    for partition in PARTITION_NAMES:
        idle()
        get_backend("iam")[account][partition]  # noqa: B018
    moto.iam.models.get_account_id_from("sparkify-warmup")
    return done


def start(
    account: str,
    regions: Iterable[str],
    idle: Callable[[], None] = lambda: None,
    finished: Callable[[], None] = lambda: None,
) -> threading.Thread:
    """:func:`warm` in a daemon thread (started); logs what it warmed and how long it took.
    ``finished`` is called when it ends, whether it succeeded or not.
    ``idle`` (the server's :meth:`~.serve.TokenApp.wait_idle`) holds each step until the
    server has no request in hand, so the warm-up takes no time from one (moto runs under
    one GIL with the seeding and the store's load)."""
    wanted = list(regions)

    def run() -> None:
        began = time.monotonic()
        try:
            done = warm(account, wanted, idle)
        except Exception:  # a service's first request will meet the same problem, and say it
            log.exception("warming moto's backends failed (requests create them as needed)")
            return
        finally:
            finished()
        log.info("warmed %s in %.2f s", ", ".join(done), time.monotonic() - began)

    thread = threading.Thread(target=run, name="moto-warmup", daemon=True)
    thread.start()
    return thread
