"""``/api/v1/party``: party organisations (a tree) and members, 双报到 registrations
(the public form's, and the community's decision). Party membership is private: every
route but the public registration needs ``people:manage``, and reads of members are
audited."""

from flask import jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.people import writes
from app.api.people.schemas import (
    Decision,
    History,
    HistoryQuery,
    Listing,
    MembersQuery,
    Orgs,
    PartyMember,
    PartyOrg,
    PartyOrgChange,
    PersonIfMatch,
    Record,
    Registration,
)
from app.extensions import db
from app.security import antiabuse, limits
from app.security.auth import require
from app.security.limits import public
from geo.core.errors import InvalidInput
from geo.people import checks, members
from geo.people.store import party as store

blp = Blueprint("people_party", __name__, url_prefix="/api/v1",
                description="Party organisations, members and 双报到 registrations")
ERRORS = {**SIGNED_IN, 403: "role may not manage people", 404: "not in your communities"}
WRITE_ERRORS = {**ERRORS, 400: "invalid field", 409: "not pending",
                412: "changed since it was read (stale ETag)", 428: "no If-Match header"}


@blp.route("/party/orgs", methods=["GET"])
@require("people:manage")
@blp.doc(summary="Party organisations", security=STAFF,
         description="The tree (parent before child, with depth) of the caller's "
                     "communities, with what each covers and its counted members.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Orgs, description="{orgs}")
@blp.fails({400: "a query parameter (none is taken)", **ERRORS})
def list_orgs(args):
    return jsonify({"orgs": [{**writes.record(o), "etag": writes.etag("party_org", o)}
                             for o in store.orgs(writes.conn(), writes.scope())]})


@blp.route("/party/orgs", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Add a party organisation", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.arguments(PartyOrg, location="json")
@blp.response(201, Record, description="the organisation")
@blp.fails({400: "invalid field", **ERRORS})
def create_org(args, body):
    conn = writes.conn()
    org_id = members.create_org(conn, checks.check_org(body), writes.scope())
    after = store.org(conn, org_id, writes.scope())
    writes.changed("party_org.create", "party_org", None, after)
    db.session.commit()
    return writes.answer("party_org", after, 201)


ORG_ERRORS = {**ERRORS, 400: "invalid field", 409: "the organisation still has child "
              "organisations or members", 412: "changed since it was read (stale ETag)",
              428: "no If-Match header"}


@blp.route("/party/orgs/<int:org_id>", methods=["PATCH"])
@require("people:manage")
@blp.doc(summary="Change a party organisation", security=STAFF,
         description="The fields given; any of community, grid or building replaces what "
                     "the organisation covers. Needs If-Match (the `etag` of the "
                     "organisation in the tree).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.arguments(PartyOrgChange, location="json")
@blp.response(200, Record, description="the organisation, with its new ETag")
@blp.fails(ORG_ERRORS)
def patch_org(args, headers, body, org_id: int):
    conn, scope = writes.conn(), writes.scope()
    before = members.find_org(conn, org_id, scope)
    writes.check_version("party_org", before)
    values = members.as_org_values(before)
    if {"community", "grid", "building"} & set(body):
        values.update(community=None, grid=None, building=None)
    after = members.change_org(conn, org_id, checks.check_org({**values, **body}), scope)
    writes.changed("party_org.update", "party_org", before, after)
    db.session.commit()
    return writes.answer("party_org", after)


@blp.route("/party/orgs/<int:org_id>", methods=["DELETE"])
@require("people:manage")
@blp.doc(summary="Remove a party organisation", security=STAFF,
         description="Only one without child organisations and members (409 otherwise: "
                     "move or remove them first). Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.response(204, description="done")
@blp.fails(ORG_ERRORS)
def delete_org(args, headers, org_id: int):
    conn, scope = writes.conn(), writes.scope()
    before = members.find_org(conn, org_id, scope)
    writes.check_version("party_org", before)
    members.remove_org(conn, org_id)
    writes.changed("party_org.delete", "party_org", before, None)
    db.session.commit()
    return "", 204


@blp.route("/party/members", methods=["GET"])
@require("people:manage")
@blp.doc(summary="Party members", security=STAFF,
         description="Members of the caller's communities, pending registrations first "
                     "(the read is audited).")
@blp.arguments(MembersQuery, location="query")
@blp.response(200, Listing, description="{total, items}")
@blp.fails({400: "bad parameter", **ERRORS})
def list_members(args):
    total, rows = store.members(writes.conn(), writes.scope(), q=args.get("q"),
                                status=args.get("status"), limit=args["limit"],
                                offset=args["offset"])
    writes.read_private("party_member", [r["id"] for r in rows])
    db.session.commit()
    return jsonify({"total": total, "items": [writes.record(r) for r in rows]})


@blp.route("/party/members", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Add a party member", security=STAFF,
         description="Entered by the community: confirmed at once.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PartyMember, location="json")
@blp.response(201, Record, description="the member, with its ETag")
@blp.fails({400: "invalid field", **ERRORS})
def create_member(args, body):
    conn, scope = writes.conn(), writes.scope()
    rows, problems = members.prepare(conn, [checks.check_party_member(body)], scope,
                                     status="confirmed", actor=current_user.username)
    if problems:
        raise InvalidInput(problems[0])
    (member_id,) = members.write(conn, rows)
    after = members.find(conn, member_id, scope)
    writes.changed("party_member.create", "party_member", None, after)
    db.session.commit()
    return writes.answer("party_member", after, 201)


@blp.route("/party/members/<int:member_id>", methods=["GET"])
@require("people:manage")
@blp.doc(summary="A party member", security=STAFF, description="The read is audited.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Record, description="the member")
@blp.fails({400: "a query parameter (none is taken)", **ERRORS})
def get_member(args, member_id: int):
    member = members.find(writes.conn(), member_id, writes.scope())
    writes.read_private("party_member", [member_id])
    db.session.commit()
    return writes.answer("party_member", member)


@blp.route("/party/members/<int:member_id>", methods=["PATCH"])
@require("people:manage")
@blp.doc(summary="Change a party member", security=STAFF,
         description="The fields given (`left_on`: the member has left). Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.arguments(PartyMember, location="json")
@blp.response(200, Record, description="the member, with its new ETag")
@blp.fails(WRITE_ERRORS)
def patch_member(args, headers, body, member_id: int):
    conn, scope = writes.conn(), writes.scope()
    writes.check_version("party_member", members.find(conn, member_id, scope))
    before, after = members.change(conn, member_id,
                                   checks.check_party_member(body, partial=True), scope)
    writes.changed("party_member.update", "party_member", before, after)
    db.session.commit()
    return writes.answer("party_member", after)


@blp.route("/party/members/<int:member_id>/registration", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Confirm or decline a 双报到 registration", security=STAFF,
         description="Only a pending registration; a confirmed member counts on the "
                     "coverage map from now on. Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PersonIfMatch, location="headers")
@blp.arguments(Decision, location="json")
@blp.response(200, Record, description="the member, with its new ETag")
@blp.fails(WRITE_ERRORS)
def decide(args, headers, body, member_id: int):
    conn, scope = writes.conn(), writes.scope()
    writes.check_version("party_member", members.find(conn, member_id, scope))
    before, after = members.decide(conn, member_id, body["action"], scope,
                                   current_user.username)
    writes.changed(f"party_member.{body['action']}", "party_member", before, after)
    db.session.commit()
    return writes.answer("party_member", after)


@blp.route("/party/members/<int:member_id>/history", methods=["GET"])
@require("people:manage")
@blp.doc(summary="A party member's history", security=STAFF)
@blp.arguments(HistoryQuery, location="query")
@blp.response(200, History, description="{entries}")
@blp.fails({400: "bad parameter", **ERRORS})
def member_history(args, member_id: int):
    members.find(writes.conn(), member_id, writes.scope())
    return jsonify({"entries": writes.history("party_member", member_id, args["limit"])})


@blp.route("/party/registrations", methods=["POST"])
@public
@blp.doc(summary="Register with a community (双报到)",
         description="For in-service party members: pending until the community confirms "
                     "it. Needs a form token (GET /api/v1/reports/form) and leaves "
                     "`website` empty. Nothing about the registration is answered back.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Registration, location="json")
@blp.response(202, description="received; the community decides")
@blp.fails({400: "invalid field", 403: "no valid form token", 429: "too many requests"})
def register(args, body):
    limits.check("report", "RATELIMIT_REPORT")
    # The anti-abuse rule reads text; a JSON true or 1 is text here too (and then refused).
    antiabuse.check({key: str(body.get(key) or "") for key in (antiabuse.HONEYPOT,
                                                              antiabuse.TOKEN)})
    conn = writes.conn()
    member_id = members.register(conn, checks.check_registration(body))
    writes.changed("party_member.register", "party_member", None,
                   members.find(conn, member_id, None))
    db.session.commit()
    return jsonify({"received": True}), 202
