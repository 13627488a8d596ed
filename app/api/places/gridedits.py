"""Changes staff make to grid details, each recorded in the audit log with before/after."""

from __future__ import annotations

from app.extensions import db
from app.models import Grid
from app.security import audit
from geo.core import text
from geo.core.errors import Conflict, InvalidInput, NotFound

EDITABLE = {"name": 200}


def update_grid(grid_id: int, changes: dict, scope: frozenset[int] | None) -> Grid:
    """Apply ``changes`` (only ``name`` for now) to a current grid the caller may see.

    Boundaries change only through redraw plans; past versions are history and stay as
    they were.
    """
    if not isinstance(changes, dict) or not changes:
        raise InvalidInput("send a JSON object with the fields to change, e.g. {\"name\": ...}")
    if unknown := sorted(set(changes) - set(EDITABLE)):
        raise InvalidInput(f"cannot change {', '.join(unknown)}; editable: "
                           f"{', '.join(EDITABLE)}", param=unknown[0])
    grid = db.session.get(Grid, grid_id)
    if grid is None or (scope is not None and grid.community_id not in scope):
        raise NotFound(f"no grid with id {grid_id} among the communities you may see")
    if grid.valid_to is not None:
        raise Conflict(f"grid {grid_id} is a past version (until {grid.valid_to}); "
                       "only current grids can change")
    before = {key: getattr(grid, key) for key in changes}
    for key, value in changes.items():
        setattr(grid, key, text.name(value, key, limit=EDITABLE[key]))
    audit.record("grid.update", "grid", grid.id, before=before,
                 after={key: getattr(grid, key) for key in changes})
    return grid
