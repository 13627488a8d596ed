"""Importing a roster (workers, party members, departments) from CSV or XLSX.

Every row is checked (``geo.people.checks``) and its codes resolved within the caller's
communities before anything is written. Nothing is written when a row is bad, unless the
caller asks to store the good rows (``store_good``); a dry run writes nothing either way.
The report names each bad row by its number in the file and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from geo.core.errors import InvalidInput
from geo.people import checks, departments, files, members, workers

_WRITERS = {"workers": workers, "party-members": members, "departments": departments}


@dataclass
class Report:
    kind: str
    rows: int = 0
    good: int = 0
    written: int = 0
    dry_run: bool = False
    problems: list[dict] = field(default_factory=list)  # {row, field, reason}
    ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "good": self.good,
                "bad": len(self.problems), "written": self.written, "dry_run": self.dry_run,
                "problems": self.problems}


def _check(kind: str, table: files.Table) -> tuple[list[dict | None], dict[int, tuple]]:
    rule = checks.CHECKS[kind]
    checked: list[dict | None] = []
    problems: dict[int, tuple] = {}
    for i, row in enumerate(table.rows):
        try:
            checked.append(rule(row))
        except InvalidInput as err:
            checked.append(None)
            problems[i] = (err.param, str(err))
    return checked, problems


def run(conn: Connection, kind: str, table: files.Table, *, scope, actor: str,
        dry_run: bool = False, store_good: bool = False) -> Report:
    """Check ``table`` as rows of ``kind`` and write them (see the module docstring)."""
    report = Report(files.kind_of(kind), rows=len(table.rows), dry_run=dry_run)
    checked, problems = _check(kind, table)
    if kind == "party-members":
        rows, refused = members.prepare(conn, checked, scope, status="confirmed", actor=actor)
    else:
        rows, refused = _WRITERS[kind].prepare(conn, checked, scope)
    problems.update({i: (None, reason) for i, reason in refused.items()})
    report.problems = [{"row": table.numbers[i], "field": f, "reason": reason}
                       for i, (f, reason) in sorted(problems.items())]
    good = [r for r in rows if r is not None]
    report.good = len(good)
    if dry_run or not good or (problems and not store_good):
        return report
    report.ids = _WRITERS[kind].write(conn, good)
    report.written = len(report.ids)
    return report
