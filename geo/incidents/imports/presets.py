"""Column-mapping presets: an account names the mapping (and format options) of the
exports it receives once, and picks it by name on later uploads. Their SQL is
``geo.incidents.store.import_jobs``."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from geo.core.errors import InvalidInput, NotFound
from geo.incidents.imports.files import Options, options
from geo.incidents.store import import_jobs as store

OPTION_NAMES = ("format", "encoding", "crs")


def save(conn: Connection, user_id: int, name: str, mapping: Mapping, opts: Mapping) -> dict:
    """Check and save (or replace, by name) a preset of ``user_id``; as :func:`listed`."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 100:
        raise InvalidInput("name the preset (1 to 100 characters)", param="name")
    if not isinstance(mapping, Mapping):
        raise InvalidInput('map must be a JSON object {"field": "column", ...}', param="map")
    given = {k: opts[k] for k in OPTION_NAMES if opts.get(k)}
    checked = options("x", mapping=mapping, **given)  # raises on a bad field or option
    kept = {k: getattr(checked, k) for k in given}
    preset_id = store.save_preset(conn, user_id, name, checked.mapping, kept)
    return {"id": preset_id, "name": name, "map": dict(checked.mapping), "options": kept}


def listed(conn: Connection, user_id: int) -> list[dict]:
    """``user_id``'s presets, by name."""
    return [{"id": p["id"], "name": p["name"], "map": p["mapping"], "options": p["options"]}
            for p in store.presets(conn, user_id)]


def delete(conn: Connection, user_id: int, preset_id: int) -> None:
    if not store.delete_preset(conn, user_id, preset_id):
        raise NotFound(f"you have no preset {preset_id}")


def options_for(conn: Connection, user_id: int | None, name: str, *,
                preset: int | None = None, mapping: Mapping | None = None,
                strict: bool = True, **given) -> Options:
    """The options of an upload: the preset's (one of ``user_id``'s), then what the
    upload gives (its ``mapping`` entries over the preset's)."""
    base: dict = {}
    if preset is not None:
        found = next((p for p in listed(conn, user_id) if p["id"] == preset), None)
        if found is None:
            raise InvalidInput(f"you have no preset {preset}", param="preset")
        base = {**found["options"], "mapping": found["map"]}
    merged = {**base, **{k: v for k, v in given.items() if v}}
    merged["mapping"] = {**base.get("mapping", {}), **(mapping or {})}
    return options(name, strict=strict, **merged)
