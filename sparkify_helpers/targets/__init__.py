"""Deployment targets: ``local`` (moto + DuckDB) and ``redshift`` (your AWS account).

:func:`for_settings` is the one place that looks at ``settings.target``; everything else
asks the :class:`Target` it is given.
"""

from __future__ import annotations

from sparkify_helpers.config import Settings
from sparkify_helpers.targets.base import RunScope, Target
from sparkify_helpers.targets.local import LocalTarget
from sparkify_helpers.targets.redshift import RedshiftTarget

KINDS: dict[str, type[Target]] = {
    LocalTarget.kind: LocalTarget,
    RedshiftTarget.kind: RedshiftTarget,
}

__all__ = ["KINDS", "LocalTarget", "RedshiftTarget", "RunScope", "Target", "for_settings"]


def for_settings(settings: Settings) -> Target:
    """The target that ``settings.target`` names."""
    return KINDS[settings.target](settings)
