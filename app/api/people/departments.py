"""``/api/v1/departments``: functional departments (职能部门) and resident units (驻区单位):
contacts, the communities they serve, the categories they handle."""

from flask import jsonify

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.people import writes
from app.api.people.schemas import (
    Department,
    History,
    HistoryQuery,
    Listing,
    PersonIfMatch,
    Record,
    SearchQuery,
)
from app.extensions import db
from app.security.auth import require
from geo.core.errors import InvalidInput
from geo.people import checks, departments
from geo.people.store import departments as store

blp = Blueprint("people_departments", __name__, url_prefix="/api/v1",
                description="Departments and resident units")
ERRORS = {**SIGNED_IN, 403: "role may not manage people",
          404: "no such department serving your communities"}
WRITE_ERRORS = {**ERRORS, 400: "invalid field",
                412: "changed since it was read (stale ETag)", 428: "no If-Match header"}


@blp.route("/departments", methods=["GET"])
@require("people:manage")
@blp.doc(summary="Departments and resident units", security=STAFF,
         description="Those serving the caller's communities, by name.")
@blp.arguments(SearchQuery, location="query")
@blp.response(200, Listing, description="{total, items}")
@blp.fails({400: "bad parameter", **ERRORS})
def list_departments(args):
    total, rows = store.listing(writes.conn(), writes.scope(), q=args.get("q"),
                                limit=args["limit"], offset=args["offset"])
    return jsonify({"total": total, "items": [writes.record(r) for r in rows]})


@blp.route("/departments", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Add a department or resident unit", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.arguments(Department, location="json")
@blp.response(201, Record, description="the department, with its ETag")
@blp.fails({400: "invalid field", **ERRORS})
def create_department(args, body):
    conn, scope = writes.conn(), writes.scope()
    rows, problems = departments.prepare(conn, [checks.check_department(body)], scope)
    if problems:
        raise InvalidInput(problems[0])
    (dept_id,) = departments.write(conn, rows)
    after = departments.find(conn, dept_id, scope)
    writes.changed("department.create", "department", None, after)
    db.session.commit()
    return writes.answer("department", after, 201)


@blp.route("/departments/<int:dept_id>", methods=["GET"])
@require("people:manage")
@blp.doc(summary="A department", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Record, description="the department")
@blp.fails({400: "a query parameter (none is taken)", **ERRORS})
def get_department(args, dept_id: int):
    return writes.answer("department", departments.find(writes.conn(), dept_id,
                                                        writes.scope()))


@blp.route("/departments/<int:dept_id>", methods=["PATCH"])
@require("people:manage")
@blp.doc(summary="Change a department", security=STAFF,
         description="The fields given; communities/streets and categories replace the "
                     "old lists. Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.arguments(Department, location="json")
@blp.response(200, Record, description="the department, with its new ETag")
@blp.fails(WRITE_ERRORS)
def patch_department(args, headers, body, dept_id: int):
    conn, scope = writes.conn(), writes.scope()
    writes.check_version("department", departments.find(conn, dept_id, scope))
    before, after = departments.change(conn, dept_id,
                                       checks.check_department(body, partial=True), scope)
    writes.changed("department.update", "department", before, after)
    db.session.commit()
    return writes.answer("department", after)


@blp.route("/departments/<int:dept_id>", methods=["DELETE"])
@require("people:manage")
@blp.doc(summary="Retire a department", security=STAFF,
         description="No longer listed; the record stays for history. Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.response(204, description="done")
@blp.fails(WRITE_ERRORS)
def delete_department(args, headers, dept_id: int):
    conn, scope = writes.conn(), writes.scope()
    writes.check_version("department", departments.find(conn, dept_id, scope))
    before = departments.retire(conn, dept_id, scope)
    writes.changed("department.delete", "department", before, {**before, "active": False})
    db.session.commit()
    return "", 204


@blp.route("/departments/<int:dept_id>/history", methods=["GET"])
@require("people:manage")
@blp.doc(summary="A department's history", security=STAFF)
@blp.arguments(HistoryQuery, location="query")
@blp.response(200, History, description="{entries}")
@blp.fails({400: "bad parameter", **ERRORS})
def department_history(args, dept_id: int):
    departments.find(writes.conn(), dept_id, writes.scope())
    return jsonify({"entries": writes.history("department", dept_id, args["limit"])})
