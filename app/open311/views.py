"""``/open311/v2`` routes: discovery, services, service definitions, requests (GET and
POST), one request, tokens."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from app.errors import status_of
from app.extensions import db
from app.open311.formats import check_format, errors, render
from app.plumbing.readdb import read
from app.security import accounts
from app.security.auth import Staff, account_staff
from app.security.limits import public
from geo.core import params
from geo.core.errors import Forbidden, GridmapError, InvalidInput, NotFound
from geo.incidents import intake, open311, open311_updates

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00Z"  # when these endpoints last changed shape
# Our field names in intake errors → the Open311 field the client sent.
OPEN311_NAMES = {"category": "service_code", "lon": "long", "lat": "lat",
                 "building": "address_id", "address": "address_string",
                 "reporter_phone": "phone", "reporter_name": "first_name", "crs": "attribute[crs]"}


def _jurisdiction(values) -> None:
    """A single-jurisdiction endpoint: ``jurisdiction_id`` may be left out; given, it must
    be ``OPEN311_JURISDICTION`` when that is set."""
    wanted, given = current_app.config["OPEN311_JURISDICTION"], values.get("jurisdiction_id")
    if wanted and given and given != wanted:
        raise NotFound(f"unknown jurisdiction_id {given[:40]!r}; this endpoint serves "
                       f"{wanted}")


def _key_holder(values, permission: str) -> Staff | None:
    """The staff account whose API token is ``api_key``; None when none was sent."""
    secret = (values.get("api_key") or "").strip()
    if not secret:
        return None
    account = accounts.token_owner(secret)
    if account is None:
        raise Forbidden("api_key is unknown, revoked or expired")
    staff = account_staff(account)
    if not staff.can(permission):
        raise Forbidden(f"the api_key's account ({staff.role}) may not do this")
    return staff


@bp.route("/discovery.<fmt>")
@public
def discovery(fmt: str):
    """Where the endpoint is and what it speaks."""
    check_format(fmt)
    params.check_known(request.args, ())
    base = request.url_root.rstrip("/") + bp.url_prefix
    body = {"changeset": CHANGESET, "contact": current_app.config["OPEN311_CONTACT"],
            "key_service": "API keys are gridmap API tokens; ask an administrator "
                           "(flask tokens create) for a dispatcher's token",
            "endpoints": [{"specification": SPECIFICATION, "url": base,
                           "changeset": CHANGESET, "type": "production",
                           "formats": ["text/xml", "application/json"]}]}
    return render(fmt, "discovery", None, body)


@bp.route("/services.<fmt>")
@public
def services(fmt: str):
    """The incident categories people may report."""
    check_format(fmt)
    params.check_known(request.args, ("jurisdiction_id",))
    _jurisdiction(request.args)
    return render(fmt, "services", "service", read(open311.services))


@bp.route("/services/<service_code>.<fmt>")
@public
def service_definition(service_code: str, fmt: str):
    """A category's attributes: the coordinate system of lat/long."""
    check_format(fmt)
    params.check_known(request.args, ("jurisdiction_id",))
    _jurisdiction(request.args)
    found = read(lambda conn: open311.service_definition(conn, service_code))
    if found is None:
        raise NotFound(f"no service {service_code[:50]!r}")
    return render(fmt, "service_definition", None, found)


@bp.route("/requests.<fmt>", methods=["GET"])
@public
def list_requests(fmt: str):
    """Service requests: the last 90 days, newest first, at most 1000 (the defaults)."""
    check_format(fmt)
    params.check_known(request.args, open311.QUERY_FIELDS)
    _jurisdiction(request.args)
    staff = _key_holder(request.args, "incidents:read")
    query = open311.parse_query(request.args, dt.datetime.now(dt.UTC))
    scope = staff.communities if staff else None
    found = read(lambda conn: open311.requests(conn, query, with_description=bool(staff),
                                               scope=scope))
    return render(fmt, "service_requests", "request", found)


@bp.route("/requests/<request_id>.<fmt>")
@public
def get_request(request_id: str, fmt: str):
    """One service request."""
    check_format(fmt)
    params.check_known(request.args, ("jurisdiction_id", "api_key"))
    _jurisdiction(request.args)
    staff = _key_holder(request.args, "incidents:read")
    scope = staff.communities if staff else None
    found = read(lambda conn: open311.request(conn, request_id, with_description=bool(staff),
                                              scope=scope))
    if found is None:
        raise NotFound(f"no service request {request_id[:20]!r}")
    return render(fmt, "service_requests", "request", [found])


@bp.route("/servicerequestupdates.<fmt>")
@public
def service_request_updates(fmt: str):
    """Status changes of service requests, oldest first (the last 90 days by default)."""
    check_format(fmt)
    params.check_known(request.args, open311_updates.QUERY_FIELDS)
    _jurisdiction(request.args)
    staff = _key_holder(request.args, "incidents:read")
    query = open311_updates.parse_query(request.args, dt.datetime.now(dt.UTC))
    scope = staff.communities if staff else None
    found = read(lambda conn: open311_updates.updates(conn, query, public_only=not staff,
                                                      scope=scope))
    return render(fmt, "service_request_updates", "request_update", found)


@bp.route("/tokens/<token_id>.<fmt>")
@public
def token(token_id: str, fmt: str):
    """Requests are created at once, so a token is the request's own number."""
    check_format(fmt)
    params.check_known(request.args, ("jurisdiction_id",))
    _jurisdiction(request.args)
    found = read(lambda conn: open311.request(conn, token_id, with_description=False))
    if found is None:
        raise NotFound(f"no token {token_id[:20]!r}")
    return render(fmt, "service_requests", "request",
                  [{"service_request_id": found["service_request_id"], "token": token_id}])


@bp.route("/requests.<fmt>", methods=["POST"])
@public
def create_request(fmt: str):
    """Report an incident (form-encoded, with a dispatcher's or admin's token as api_key)."""
    check_format(fmt)
    params.check_known(request.args, ())
    form = request.form
    params.check_fields(form, open311.POST_FIELDS)
    staff = _key_holder(form, "incidents:write")
    if staff is None:
        raise Forbidden("api_key is required to create service requests")
    _jurisdiction(form)
    config, conn = current_app.config, db.session.connection()
    rules = intake.Rules.from_config(config)
    cats, cal = intake.settings(conn, rules)
    try:
        report = intake.check_report(open311.report_from_form(form), cats,
                                     dt.datetime.now(dt.UTC), config["SERVICE_AREA"])
    except InvalidInput as err:
        name = OPEN311_NAMES.get(err.param or "", err.param)
        raise InvalidInput(f"{name}: {err.message}", param=name, details=err.details) \
            from None
    incident_id, _ = intake.store(conn, report, cats, rules, cal,
                                  actor=staff.username, user_id=staff.id,
                                  scope=staff.communities)
    db.session.commit()
    return render(fmt, "service_requests", "request",
                  [{"service_request_id": str(incident_id),
                    "service_notice": "已受理 Received; follow it with GET requests/"
                                      f"{incident_id}.{fmt}",
                    "account_id": None}], status=201)


def _fmt() -> str:
    return (request.view_args or {}).get("fmt", "json")


@bp.errorhandler(GridmapError)
def _gridmap_error(err: GridmapError):
    db.session.rollback()
    return errors(_fmt(), status_of(err), err.message)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    response = errors(_fmt(), err.code or 500, err.description or err.name)
    for key, value in err.get_headers():
        if key != "Content-Type":
            response.headers[key] = value
    return response
