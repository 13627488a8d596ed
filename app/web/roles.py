"""The names of grid workers' roles (``geo.people.words.WORKER_ROLES``) as every page shows
them: one table, merged into each page's texts under ``role_<code>``; and the names of
accounts' roles (``app.models.accounts.USER_ROLES``: the header, the users page)."""

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


ACCOUNT_ROLE_TEXTS: dict[str, str] = dict([
    N_("account_admin", "管理员"), N_("account_planner", "规划员"),
    N_("account_dispatcher", "调度员"), N_("account_member", "网格员"),
    N_("account_viewer", "查看者"), N_("account_community_admin", "社区管理员"),
    N_("account_department", "部门"),
])


def account_role_name(code: str | None) -> str:
    """An account role's name in the request's language (the code if it has none)."""
    return texts(ACCOUNT_ROLE_TEXTS).get(f"account_{code}", code or "")
