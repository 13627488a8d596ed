"""docs/security.md stays true: its permission table is ``app.security.roles.PERMISSIONS``,
and every test its threat model names exists."""

import re
from pathlib import Path

from app.security.roles import PERMISSIONS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def _table(first_header: str) -> list[list[str]]:
    """The rows (cells stripped) of the table whose header starts with ``first_header``."""
    lines = DOC.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [rows[0], *rows[2:]]  # without the --- line


def test_the_permission_table_is_the_role_table():
    header, *rows = _table("permission")
    roles = header[2:]
    assert roles == list(PERMISSIONS)
    documented = {role: set() for role in roles}
    for permission, _allows, *marks in rows:
        assert len(marks) == len(roles), permission
        for role, mark in zip(roles, marks, strict=True):
            assert mark in ("✓", ""), (permission, role, mark)
            if mark:
                documented[role].add(permission.strip("`"))
    assert documented == {role: set(perms) for role, perms in PERMISSIONS.items()}


def test_every_test_the_threat_model_names_exists():
    _header, *rows = _table("threat")
    named = {name for row in rows for name in re.findall(r"`(test_\w+)`", row[2])}
    assert len(named) > 30 and all(row[2] for row in rows)
    defined = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        defined.update(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    assert sorted(named - defined) == []
