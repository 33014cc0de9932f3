"""Full refresh: the star tables are built beside the old ones and swapped in at the end.

With them, the merge's records of the star (:data:`REBUILT_WITH_STAR`: the plays' event
keys, users' latest events, the catalogue rows plays match on), which the transforms read.

Every statement comes from the catalog (the one reader of ``sql/create``): the new tables are
the star tables' own CREATE statements with every star name ``t`` read as ``t__new``
(:data:`NEW_SUFFIX`), their references included, so after the swap the fact table references
the new dimensions. :func:`load.publish` runs all of it inside its one transaction:
:func:`build_beside` (drop any leftover ``__new`` table, create the new ones), the transforms
and checks against the new tables (:func:`new_names` for ``Warehouse.addressing``), then
:func:`swap` (drop each old table, rename the new one to its name; Redshift's ALTER TABLE
RENAME and DROP TABLE are transactional, Developer Guide ``r_ALTER_TABLE.md``; TRUNCATE is
not, ``r_TRUNCATE.md``, and is never used here).
"""

from __future__ import annotations

from collections.abc import Collection

from sparkify_helpers.catalog import Catalog, Table, read_catalog

NEW_SUFFIX = "__new"
# The merge's records of the star (sql/insert reads and writes them with it): rebuilt beside
# it and swapped with it, so a full refresh starts them from nothing too.
REBUILT_WITH_STAR = ("sparkify_play_keys", "sparkify_user_latest", "sparkify_catalogue")


def rebuilt(catalog: Catalog | None = None) -> list[Table]:
    """The tables a full refresh builds beside the old ones: the star, then the merge's records."""
    catalog = catalog or read_catalog()
    return [*catalog.star, *(catalog.table(n) for n in REBUILT_WITH_STAR if n in catalog)]


def new_names(catalog: Catalog | None = None) -> dict[str, str]:
    """``{rebuilt table: its new table}``, e.g. ``{"users": "users__new", ...}``."""
    return {t.name: t.name + NEW_SUFFIX for t in rebuilt(catalog)}


def _star_dependents_first(catalog: Catalog) -> list[str]:
    """The rebuilt tables, each before the tables it references (as DROP needs on Redshift)."""
    star = {t.name for t in rebuilt(catalog)}
    return [name for name in catalog.dependents_first() if name in star]


def drop_leftovers(
    catalog: Catalog | None = None, *, only: Collection[str] | None = None
) -> list[str]:
    """``DROP TABLE IF EXISTS`` of every new table (or of those in ``only``), the fact first:
    what a refresh that never committed may have left."""
    catalog = catalog or read_catalog()
    names = new_names(catalog)
    return [
        f"DROP TABLE IF EXISTS {names[name]}"
        for name in _star_dependents_first(catalog)
        if only is None or names[name] in only
    ]


def build_beside(catalog: Catalog | None = None) -> list[str]:
    """Drop leftovers, then create every new table from its ``sql/create`` statement."""
    catalog = catalog or read_catalog()
    names = new_names(catalog)
    return [*drop_leftovers(catalog), *(t.create_statement(names) for t in rebuilt(catalog))]


def swap(catalog: Catalog | None = None) -> list[str]:
    """Drop each old star table (the fact first), then rename each new one to its name."""
    catalog = catalog or read_catalog()
    names = new_names(catalog)
    order = _star_dependents_first(catalog)
    drops = [f"DROP TABLE {name}" for name in order]
    return [*drops, *(f"ALTER TABLE {names[name]} RENAME TO {name}" for name in order)]
