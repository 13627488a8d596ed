"""A progress bar for long commands (rich): rows done, rows/s and time left, on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

STEPS = {"read": "reading and checking", "route": "locating and routing",
         "store": "storing", "done": "done"}


class _RowsPerSecond(TextColumn):
    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # noqa: D102 - a column of the bar
        speed = task.finished_speed or task.speed
        return self.text_format if speed is None else f"{speed:,.0f} rows/s"


@contextmanager
def progress_bar(name: str, show: bool | None) -> Iterator:
    """``progress(step, done, total)`` for ``geo.incidents.imports``; a bar when ``show``
    (None: when stderr is a terminal), else one line per step."""
    console = Console(stderr=True)
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        shown: set[str] = set()

        def lines(step: str, done: int, total: int | None) -> None:
            if step != "read" and step not in shown:
                shown.add(step)
                console.print(f"{name}: {done:,} rows read; {STEPS[step]}", highlight=False)

        yield lines
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), _RowsPerSecond(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"{name}: {STEPS['read']}", total=None)

        def update(step: str, done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total or None,
                       description=f"{name}: {STEPS[step]}")

        yield update
