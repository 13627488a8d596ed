"""The names of grid workers' roles (``geo.people.words.WORKER_ROLES``) as every page shows
them: one table, merged into each page's texts under ``role_<code>``."""

from __future__ import annotations

from app.web.i18n import N_, texts

ROLE_TEXTS: dict[str, str] = dict([
    N_("role_grid_chief", "网格长"), N_("role_full_time", "专职网格员"),
    N_("role_part_time", "兼职网格员"), N_("role_building_head", "楼栋长"),
    N_("role_grid_instructor", "网格指导员"),
])


def role_texts() -> dict[str, str]:
    """``role_<code>`` → the role's name in the request's language, for a page's texts."""
    return texts(ROLE_TEXTS)


def role_names() -> dict[str, str]:
    """role code → its name in the request's language."""
    return {key.removeprefix("role_"): text for key, text in texts(ROLE_TEXTS).items()}
