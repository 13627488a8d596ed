"""``/api/v1/workers``: grid workers — the roster, each worker's grids, schedule, leave
and history. Private phones are in these answers (people managers only), and each read
of one is audited."""

import datetime as dt

from flask import jsonify

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.people import writes
from app.api.people.schemas import (
    Calendar,
    CalendarQuery,
    History,
    HistoryQuery,
    Leave,
    LeaveChange,
    Listing,
    PersonIfMatch,
    Record,
    Worker,
    WorkersQuery,
)
from app.extensions import db
from app.security.auth import require
from geo.core.errors import InvalidInput
from geo.people import checks, workers
from geo.people.store import workers as store

blp = Blueprint("people_workers", __name__, url_prefix="/api/v1",
                description="Grid workers (网格员): roster, grids served, duty, leave")
ERRORS = {**SIGNED_IN, 403: "role may not manage people", 404: "no such worker in your "
          "communities"}
WRITE_ERRORS = {**ERRORS, 400: "invalid field", 409: "the worker has left the roster",
                412: "the worker changed since it was read (stale ETag)",
                428: "no If-Match header"}


@blp.route("/workers", methods=["GET"])
@require("people:manage")
@blp.doc(summary="Grid workers", security=STAFF,
         description="Workers of the caller's communities by name, with the grids they "
                     "serve today, whether they are on leave and their private phone "
                     "(the read is audited).")
@blp.arguments(WorkersQuery, location="query")
@blp.response(200, Listing, description="{total, items}")
@blp.fails({400: "bad parameter", **ERRORS})
def list_workers(args):
    total, rows = store.listing(writes.conn(), writes.scope(), q=args.get("q"),
                                active=not args.get("inactive"), limit=args["limit"],
                                offset=args["offset"])
    writes.read_private("worker", [r["id"] for r in rows])
    db.session.commit()
    return jsonify({"total": total, "items": [writes.record(r) for r in rows]})


@blp.route("/workers", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Add a grid worker", security=STAFF,
         description="Serves the grids given from today; published on the public map "
                     "only with publish (consent) true.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Worker, location="json")
@blp.response(201, Record, description="the worker, with its ETag")
@blp.fails({400: "invalid field", **ERRORS})
def create_worker(args, body):
    conn, scope = writes.conn(), writes.scope()
    rows, problems = workers.prepare(conn, [checks.check_worker(body)], scope)
    if problems:
        raise InvalidInput(problems[0])
    (worker_id,) = workers.write(conn, rows)
    after = workers.find(conn, worker_id, scope)
    writes.changed("worker.create", "worker", None, after)
    db.session.commit()
    return writes.answer("worker", after, 201)


@blp.route("/workers/<int:worker_id>", methods=["GET"])
@require("people:manage")
@blp.doc(summary="A grid worker", security=STAFF,
         description="Every field, the private phone too (the read is audited); the ETag "
                     "to send back as If-Match with a change.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Record, description="the worker")
@blp.fails({400: "a query parameter (none is taken)", **ERRORS})
def get_worker(args, worker_id: int):
    worker = workers.find(writes.conn(), worker_id, writes.scope())
    writes.read_private("worker", [worker_id])
    db.session.commit()
    return writes.answer("worker", worker)


@blp.route("/workers/<int:worker_id>", methods=["PATCH"])
@require("people:manage")
@blp.doc(summary="Change a grid worker", security=STAFF,
         description="The fields given; `grids` replaces the grids served (those dropped "
                     "end yesterday, those added start today). Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.arguments(Worker, location="json")
@blp.response(200, Record, description="the worker, with its new ETag")
@blp.fails(WRITE_ERRORS)
def patch_worker(args, headers, body, worker_id: int):
    conn, scope = writes.conn(), writes.scope()
    writes.check_version("worker", workers.find(conn, worker_id, scope))
    before, after = workers.change(conn, worker_id, checks.check_worker(body, partial=True),
                                   scope)
    writes.changed("worker.update", "worker", before, after)
    db.session.commit()
    return writes.answer("worker", after)


@blp.route("/workers/<int:worker_id>", methods=["DELETE"])
@require("people:manage")
@blp.doc(summary="Take a worker off the roster", security=STAFF,
         description="Inactive, grids ended, no longer published; the record stays for "
                     "history and the incidents it worked. Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.response(204, description="done")
@blp.fails(WRITE_ERRORS)
def delete_worker(args, headers, worker_id: int):
    conn, scope = writes.conn(), writes.scope()
    before = workers.find(conn, worker_id, scope)
    writes.check_version("worker", before)
    store.deactivate(conn, worker_id)
    writes.changed("worker.delete", "worker", before, workers.find(conn, worker_id, scope))
    db.session.commit()
    return "", 204


@blp.route("/workers/<int:worker_id>/leave", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Put a worker on leave", security=STAFF,
         description="From `from` through `to` (inclusive local days; no `to`: until "
                     "further notice). Incidents of the worker's grids reported meanwhile "
                     "go to `substitute`; without one, to the grid chief.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Leave, location="json")
@blp.response(201, Record, description="the leave")
@blp.fails({400: "invalid field", **ERRORS})
def add_leave(args, body, worker_id: int):
    conn, scope = writes.conn(), writes.scope()
    leave = checks.check_leave({**body, "from": body.get("from_")})  # "from" is a keyword
    leave_id = workers.add_leave(conn, worker_id, leave, scope)
    after = {"id": leave_id, "worker_id": worker_id, **leave}
    writes.changed("worker.leave", "worker", None, {**after, "id": worker_id})
    tag = writes.etag("leave", workers.find_leave(conn, worker_id, leave_id, scope))
    db.session.commit()
    response = jsonify(writes.record({**after, "id": leave_id}))
    response.headers["ETag"] = tag
    return response, 201


LEAVE_ERRORS = {**ERRORS, 400: "invalid field", 404: "no such leave of a worker in your "
                "communities", 412: "the leave changed since it was read (stale ETag)",
                428: "no If-Match header"}


@blp.route("/workers/<int:worker_id>/leave/<int:leave_id>", methods=["PATCH"])
@require("people:manage")
@blp.doc(summary="Change a leave", security=STAFF,
         description="The fields given (`from`, `to`, `substitute`, `note`) replace the "
                     "leave's, with the checks of a new one. Needs If-Match: the `etag` of "
                     "the leave in the leave calendar, or the ETag of the last change.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.arguments(LeaveChange, location="json")
@blp.response(200, Record, description="the leave, with its new ETag")
@blp.fails(LEAVE_ERRORS)
def patch_leave(args, headers, body, worker_id: int, leave_id: int):
    conn, scope = writes.conn(), writes.scope()
    before = workers.find_leave(conn, worker_id, leave_id, scope)
    writes.check_version("leave", before)
    given = {("from" if k == "from_" else k): v for k, v in body.items()}
    leave = checks.check_leave({**workers.as_leave_values(before), **given})
    after = workers.change_leave(conn, worker_id, leave_id, leave, scope)
    writes.changed("worker.leave_update", "worker", _leave_audit(before),
                   _leave_audit(after))
    db.session.commit()
    return writes.answer("leave", after)


@blp.route("/workers/<int:worker_id>/leave/<int:leave_id>", methods=["DELETE"])
@require("people:manage")
@blp.doc(summary="Remove a leave", security=STAFF,
         description="The leave is gone (entered by mistake, or cancelled); incidents "
                     "reported from now route as if it never was. Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.response(204, description="done")
@blp.fails(LEAVE_ERRORS)
def delete_leave(args, headers, worker_id: int, leave_id: int):
    conn, scope = writes.conn(), writes.scope()
    before = workers.find_leave(conn, worker_id, leave_id, scope)
    writes.check_version("leave", before)
    store.delete_leave(conn, leave_id)
    writes.changed("worker.leave_delete", "worker", _leave_audit(before), None)
    db.session.commit()
    return "", 204


def _leave_audit(leave: dict) -> dict:
    """A leave as its worker's history shows it (entity worker, the worker's id)."""
    return {**{k: v for k, v in leave.items() if k != "worker_id"},
            "leave_id": leave["id"], "id": leave["worker_id"]}


@blp.route("/workers/<int:worker_id>/history", methods=["GET"])
@require("people:manage")
@blp.doc(summary="A worker's history", security=STAFF,
         description="Who changed what and when (audit entries, newest first).")
@blp.arguments(HistoryQuery, location="query")
@blp.response(200, History, description="{entries}")
@blp.fails({400: "bad parameter", **ERRORS})
def worker_history(args, worker_id: int):
    workers.find(writes.conn(), worker_id, writes.scope())
    return jsonify({"entries": writes.history("worker", worker_id, args["limit"])})


@blp.route("/workers/leave", methods=["GET"])
@require("people:manage")
@blp.doc(summary="Leave calendar", security=STAFF,
         description="Leave overlapping the month of `month` of the caller's workers, "
                     "with substitutes.")
@blp.arguments(CalendarQuery, location="query")
@blp.response(200, Calendar, description="{month, leave}")
@blp.fails({400: "bad parameter", **ERRORS})
def leave_calendar(args):
    day = args.get("month") or dt.date.today()
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    rows = store.leave_between(writes.conn(), writes.scope(), first, last)
    return jsonify({"month": first.isoformat()[:7], "leave": [
        {**writes.record(r), "etag": writes.etag("leave", r)} for r in rows]})
