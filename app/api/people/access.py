"""``PUT /api/v1/users/<username>/access``: change an existing account's role and the
communities it is limited to. Audited; the account's sessions end, so the change holds
from its next sign-in (its API tokens read the new role on their next call). Also the
department an account of role ``department`` works for (the users page)."""

from flask import jsonify
from sqlalchemy import delete, insert, select

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.people.schemas import Access, AccessAnswer
from app.extensions import db
from app.models import USER_ROLES, Department, UserCommunity
from app.security import accounts, audit, sessions
from app.security.auth import require
from geo.core.errors import InvalidInput
from geo.people.checks import codes

blp = Blueprint("people_access", __name__, url_prefix="/api/v1",
                description="Accounts' roles and community limits")


def change_access(username: str, role, communities) -> dict:
    """Set ``role`` and the community limits (12-digit codes; none = all) of an account;
    end its sessions; audit before/after. The answer's ``communities`` are codes."""
    if role not in USER_ROLES:
        raise InvalidInput(f"'role' must be one of {', '.join(USER_ROLES)}", param="role")
    wanted = codes(communities, "communities", 12)
    ids = accounts.community_ids(wanted)
    user = accounts.user_named(username)
    before = {"role": user.role, "communities": _codes(user.id)}
    user.role = role
    db.session.execute(delete(UserCommunity).where(UserCommunity.user_id == user.id))
    if ids:
        db.session.execute(insert(UserCommunity), [{"user_id": user.id, "community_id": c}
                                                    for c in ids])
    ended = sessions.end_all(user.id)
    after = {"role": role, "communities": sorted(wanted)}
    audit.record("user.access", "user", user.id, before=before, after=after)
    return {"username": user.username, **after, "sessions_ended": ended}


def _codes(user_id: int) -> list[str]:
    return next((c for u, c in accounts.users_with_scope() if u.id == user_id), [])


@blp.route("/users/<username>/access", methods=["PUT"])
@require("users:admin")
@blp.doc(summary="Change an account's role and community limits", security=STAFF,
         description="`communities`: the 12-digit codes the account is limited to ([] = "
                     "every community). Audited; the account's sessions end.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Access, location="json")
@blp.response(200, AccessAnswer, description="the account's access now")
@blp.fails({400: "invalid field", **SIGNED_IN, 403: "admins only", 404: "no such account"})
def put_access(args, body, username: str):
    answer = change_access(username, body.get("role"), body.get("communities"))
    db.session.commit()
    return jsonify(answer)


def change_department(username: str, department_id: int | None) -> dict:
    """Set the department whose queue an account of role ``department`` works (None: none);
    audited before/after. Another role has no department (400), nor a retired one."""
    user = accounts.user_named(username)
    if user.role != "department":
        raise InvalidInput(f"{username} has role {user.role}: only an account of role"
                           " department belongs to a department", param="department")
    if department_id is not None:
        found = db.session.get(Department, department_id)
        if found is None or not found.active:
            raise InvalidInput(f"no active department {department_id}", param="department")
    before = {"department_id": user.department_id}
    user.department_id = department_id
    after = {"department_id": department_id}
    audit.record("user.department", "user", user.id, before=before, after=after)
    return {"username": user.username, **after}


def department_choices() -> list[tuple[int, str]]:
    """(id, name) of the active departments, by name: what the users page offers."""
    return db.session.execute(select(Department.id, Department.name)
                              .where(Department.active).order_by(Department.name)).all()
