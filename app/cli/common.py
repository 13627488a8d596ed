"""What several command groups share: a change in one transaction, a refusal as a CLI error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from app.extensions import db
from geo.core.errors import GridmapError

T = TypeVar("T")


def in_transaction(change: Callable[[], T]) -> T:
    """Run ``change`` in one transaction; a refused change is a CLI error, nothing written."""
    try:
        result = change()
        db.session.commit()
        return result
    except GridmapError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
