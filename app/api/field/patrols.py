"""``/api/v1/patrols`` and ``/api/v1/me/patrols``: a grid worker's patrols (start, points,
finish, problems found on the way, the day's log), one patrol with its track, and the
supervisors' coverage. Over ``geo.field.patrols``, ``geo.field.patrol_reports`` and
``geo.field.coverage``.

Who may: a worker (an account whose ``grid_member_id`` is set) writes and reads their own
patrols; a supervisor (``patrols:supervise``: dispatchers, admins, community
administrators) reads the patrols of workers in their communities and the coverage.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.field.patrol_schemas import (
    Coverage,
    CoverageQuery,
    DayLog,
    DayQuery,
    Patrol,
    PatrolFinish,
    PatrolPoints,
    PatrolStart,
    PatrolTrack,
    PointsAdded,
    Problem,
    ProblemBody,
    ProblemForm,
)
from app.api.fields import NoQuery
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.errors import Forbidden, InvalidInput, NotFound
from geo.field import coverage, evidence, patrol_reports, patrols
from geo.field.store import patrols as store
from geo.incidents import intake

blp = Blueprint("field_patrols", __name__, url_prefix="/api/v1",
                description="Patrols (巡查) of grid workers, problems found on them, coverage")
WORKER = {**SIGNED_IN, 403: "the role may not do this, or the account is not a grid worker's"}
OWN = {**WORKER, 404: "no such patrol of yours"}
SUPERVISE = "patrols:supervise"


def _worker() -> int:
    """The caller's grid worker id; ``Forbidden`` for an account that is not a worker's."""
    if current_user.grid_member_id is None:
        raise Forbidden("only a grid worker's account patrols (users.grid_member_id unset)")
    return current_user.grid_member_id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@blp.route("/patrols", methods=["POST"])
@require("field:work")
@blp.doc(summary="Start a patrol (grid workers)", security=STAFF,
         description="201 with the patrol; the same client_id again answers 200 with the "
                     "first patrol and `repeated: true`.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PatrolStart, location="json")
@blp.response(201, Patrol, description="the patrol")
@blp.fails({400: "invalid field", **WORKER, 409: "the client_id is another worker's"})
def start_patrol(args, body):
    member = _worker()
    conn = db.session.connection()
    row, repeated = patrols.start(conn, body, member, current_user.id, _now())
    answer = {**patrols.summary(conn, row["id"]), "repeated": repeated}
    db.session.commit()
    return jsonify(answer), 200 if repeated else 201


@blp.route("/patrols/<int:patrol_id>/points", methods=["POST"])
@require("field:work")
@blp.doc(summary="Add recorded positions to a patrol (a batch)", security=STAFF,
         description=f"At most {patrols.MAX_POINTS} points, stored in one transaction, "
                     "keyed by time: a point sent again adds nothing (`repeated`). A bad "
                     "point refuses the whole batch with a 400 naming it (`points[3].lat`). "
                     "The grids walked are updated by the assignment rule.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PatrolPoints, location="json")
@blp.response(200, PointsAdded, description="{added, repeated}")
@blp.fails({400: "invalid point (named by index)", **OWN,
            409: "the patrol is finished and the batch has new points"})
def add_points(args, body, patrol_id: int):
    conn = db.session.connection()
    patrol = patrols.own(conn, patrol_id, _worker())
    cfg = current_app.config
    answer = patrols.add_points(conn, patrol, body.get("points"), _now(),
                                cfg["SERVICE_AREA"], cfg["ASSIGN_SNAP_METERS"])
    db.session.commit()
    return jsonify(answer)


@blp.route("/patrols/<int:patrol_id>/finish", methods=["POST"])
@require("field:work")
@blp.doc(summary="Finish a patrol", security=STAFF,
         description="Builds the track from the points in time order, its length on the "
                     "spheroid and the duration. Finishing again changes nothing "
                     "(`repeated: true`).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PatrolFinish, location="json")
@blp.response(200, Patrol, description="the patrol with distance_m, duration_s, grids")
@blp.fails({400: "invalid finished_at", **OWN})
def finish_patrol(args, body, patrol_id: int):
    conn = db.session.connection()
    patrol = patrols.own(conn, patrol_id, _worker())
    answer, repeated = patrols.finish(conn, patrol, body, _now())
    db.session.commit()
    return jsonify({**answer, "repeated": repeated})


@blp.route("/patrols/<int:patrol_id>/reports", methods=["POST"])
@require("field:work")
@blp.doc(summary="Report a problem found on patrol", security=STAFF,
         description="JSON, or multipart/form-data with 1–6 `photos`. Enters intake with "
                     "source `patrol` and is routed like any report; the same client_id "
                     "again answers 200 with the first result and `repeated: true`.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(ProblemBody, location="json", required=False)
@blp.arguments(ProblemForm, location="form", content_type="multipart/form-data",
               required=False)
@blp.response(201, Problem, description="the incident, its grid and assignee")
@blp.fails({400: "invalid field or photo", **OWN, 409: "the client_id was used elsewhere",
            413: "a photo too large", 415: "a photo of another type"})
def report_problem(args, body, form, patrol_id: int):
    conn = db.session.connection()
    patrol = patrols.own(conn, patrol_id, _worker())
    cfg = current_app.config
    rules = intake.Rules.from_config(cfg)
    cats, cal = intake.settings(conn, rules)
    fields = form if request.mimetype == "multipart/form-data" else body
    files = _uploads()
    report = patrol_reports.check(fields, cats, _now(), cfg["SERVICE_AREA"])
    found = patrol_reports.existing(conn, report, patrol["id"])
    if found is not None:
        return jsonify(patrol_reports.answer(conn, found, True))
    photos = evidence.check_photos(files) if files else []
    incident_id = patrol_reports.file(conn, report, patrol, cats, rules, cal, photos,
                                      actor=current_user.username, user_id=current_user.id)
    answer = patrol_reports.answer(conn, incident_id, False)
    db.session.commit()
    return jsonify(answer), 201


def _uploads() -> list[bytes]:
    """The form's photos as sent (none is fine), each upload closed once read."""
    if unknown := sorted(set(request.files) - {"photos"}):
        raise InvalidInput(f"unknown file field(s) {', '.join(unknown)}; only 'photos'",
                           param=unknown[0])
    uploads = request.files.getlist("photos")
    try:
        return [f.read(evidence.MAX_UPLOAD_BYTES + 1) for f in uploads]
    finally:
        for upload in uploads:
            upload.close()


@blp.route("/me/patrols", methods=["GET"])
@require("field:work")
@blp.doc(summary="My patrols of a day (the patrol log)", security=STAFF,
         description="Patrols started that day (local time), with times, distance, grids "
                     "walked and the problems reported on them.")
@blp.arguments(DayQuery, location="query")
@blp.response(200, DayLog, description="{date, worker, patrols}")
@blp.fails({400: "bad date", **WORKER})
def my_patrols(args):
    member = _worker()
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    day = args.get("date") or _now().astimezone(zone).date()
    found = read(lambda conn: patrols.day_log(conn, member, day, zone))
    return jsonify({"date": day.isoformat(), "worker": {"id": member}, "patrols": found})


@blp.route("/patrols/<int:patrol_id>", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="One patrol with its track", security=STAFF,
         description="Its worker's own, or for a supervisor one of a worker of their "
                     "communities. The track is a GeoJSON LineString (while walking: made "
                     "from the points so far).")
@blp.arguments(NoQuery, location="query")
@blp.response(200, PatrolTrack, description="the patrol and its track")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such patrol you may see"})
def one_patrol(args, patrol_id: int):
    found = read(lambda conn: store.patrol(conn, patrol_id))
    mine = found is not None and found["member_id"] == current_user.grid_member_id
    if found is None or not (mine or (current_user.can(SUPERVISE)
                                      and current_user.sees(found["community_id"]))):
        raise NotFound(f"no patrol {patrol_id} you may see")
    return jsonify(read(lambda conn: patrols.summary(conn, patrol_id, with_track=True)))


@blp.route("/patrols/coverage", methods=["GET"])
@require(SUPERVISE)
@blp.doc(summary="Patrol coverage of a period (supervisors)", security=STAFF,
         description="Per current grid of the caller's communities: when last walked (and "
                     "its band: within 1 day, 7 days, idle_days), patrols, points and "
                     "distance in the period; per worker: patrols, distance and time; the "
                     "grids nobody walked in idle_days days. Default: this week.")
@blp.arguments(CoverageQuery, location="query")
@blp.response(200, Coverage, description="{from, to, as_of, bands, grids, workers, "
                                         "idle_grids, totals}")
@blp.fails({400: "bad parameter", **SIGNED_IN})
def patrol_coverage(args):
    cfg = current_app.config
    now = _now()
    today = now.astimezone(ZoneInfo(cfg["TIMEZONE"])).date()
    _, _, t0, t1 = coverage.period(args.get("since"), args.get("until"), today,
                                   cfg["TIMEZONE"])
    found = read(lambda conn: coverage.coverage(
        conn, start=t0, end=t1, now=now, idle_days=args["idle_days"],
        scope=current_user.communities, community=args.get("community"),
        geometry=bool(args.get("geometry"))))
    return jsonify(found)
