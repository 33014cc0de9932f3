"""Work moto's server does that the emulator's answers never use, skipped in its process.

- **IAM's other partitions.** Every request maps its access key to an account through
  ``moto.iam.models.get_account_id_from``, which looks the key up in the IAM backend of each
  of the six partitions, making each one (and loading AWS's managed policies into it, about
  0.15 s of CPU each) on the first request. :func:`install_account_lookup` looks in the IAM
  backends that exist: a backend not made yet holds no access key, so the answer is the
  same, and a partition's backend is made only when something uses that partition.
- **botocore's data, parsed again per session.** moto makes a fresh ``boto3.Session`` at
  several places while its EC2 module loads (regions, partitions); each parses botocore's
  ``endpoints.json`` and models anew. :func:`share_botocore_loader` gives every botocore
  session made until it is undone one loader per data path, so each file is parsed once.

Both are installed only by the emulator's server (:mod:`.serve`), and only on the moto
version they were checked against; elsewhere moto's own path runs (a warning says so).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

MOTO_VERSION = "5.2.6"
_LOOKUP_CALL = "from moto.iam.models import get_account_id_from"  # in get_current_account
_ORIGINAL: list[Any] = []  # moto's get_account_id_from while installed


def account_of(access_key: str) -> str:
    """The account whose IAM holds ``access_key`` (moto's default account when none does),
    looking only in IAM backends already made."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    for account_id, account in list(iam_backends.items()):  # list(): as moto, for threads
        for backend in list(account.values()):  # dict.values: makes no backend
            if access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


def install_account_lookup() -> bool:
    """Make moto's requests map access keys with :func:`account_of`; False (and a warning)
    on a moto whose request path this was not checked against."""
    import moto
    import moto.iam.models
    from moto.core.responses import BaseResponse

    source = inspect.getsource(BaseResponse.get_current_account)
    if moto.__version__ != MOTO_VERSION or _LOOKUP_CALL not in source:
        log.warning(
            "moto %s (not %s): each request makes IAM's backend of every partition",
            moto.__version__,
            MOTO_VERSION,
        )
        return False
    if not _ORIGINAL:
        _ORIGINAL.append(moto.iam.models.get_account_id_from)
        moto.iam.models.get_account_id_from = account_of
    return True


def uninstall_account_lookup() -> None:
    """Give moto its own lookup back (tests compare both)."""
    import moto.iam.models

    if _ORIGINAL:
        moto.iam.models.get_account_id_from = _ORIGINAL.pop()


def share_botocore_loader() -> Callable[[], None]:
    """Until the returned function is called, botocore sessions made in this process share one
    data loader per data path (so its files are parsed once); sessions made after get their
    own again. A no-op on a botocore without ``session.create_loader``."""
    import botocore.loaders
    import botocore.session

    original = getattr(botocore.session, "create_loader", None)
    if original is not botocore.loaders.create_loader:
        log.warning("botocore has no session.create_loader: each session parses its data")
        return lambda: None
    made: dict[str | None, Any] = {}
    lock = threading.Lock()

    def create_loader(search_path_string: str | None = None) -> Any:
        with lock:
            if search_path_string not in made:
                made[search_path_string] = original(search_path_string)
            return made[search_path_string]

    botocore.session.create_loader = create_loader

    def undo() -> None:
        if botocore.session.create_loader is create_loader:
            botocore.session.create_loader = original

    return undo
