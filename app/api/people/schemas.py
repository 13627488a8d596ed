"""Parameters and answers of the people API (workers, party, departments, imports and
exports, account access). Bodies are checked by the rules of ``geo.people.checks``; the
fields here declare and document them once."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields

from app.api.fields import Body, Choice, Date, Flag, Integer, Paging, Query, Text, loose, raw
from geo.people import exports, files
from geo.people.words import (
    DEPARTMENT_KINDS,
    PARTY_MEMBER_KINDS,
    PARTY_ORG_LEVELS,
    REGISTRATION_STATES,
    WORKER_ROLES,
)


class PersonIfMatch(ma.Schema):
    """The row's ETag as last read: without it a change is 428, with a stale one 412."""

    class Meta:
        unknown = ma.EXCLUDE

    if_match = fields.String(data_key="If-Match", metadata={
        "description": "the ETag of the record as last read (its GET's ETag header); "
                       "missing: 428, stale: 412"})


class SearchQuery(Paging):
    q = Text("search: name, phone, work unit or grid code", 100)


class WorkersQuery(SearchQuery):
    inactive = Flag("true: also workers who left the roster")


class MembersQuery(SearchQuery):
    status = Choice("registration: pending | confirmed | declined", REGISTRATION_STATES)



class Worker(Body):
    name = raw("姓名", type="string", maxLength=100, nullable=False)
    role = raw("grid_chief 网格长, full_time 专职网格员, part_time 兼职网格员, building_head "
               "楼栋长, grid_instructor 网格指导员", type="string", enum=list(WORKER_ROLES))
    grids = raw("15-digit codes of the grids served (from today)", type="array")
    public_phone = raw("shown to residents when publish is true", type="string", maxLength=30)
    private_phone = raw("never on public routes; reads are audited", type="string",
                        maxLength=30)
    hours = raw("service hours as shown to residents, e.g. 周一至周五 9:00-17:30",
                type="string", maxLength=100)
    publish = raw("consent to be shown on the public map", type="boolean")
    consent_on = raw("date of consent (default: today when publish is true)", type="string",
                     format="date")
    duty_days = raw("ISO weekdays worked (1 = Monday), e.g. [1,2,3,4,5] or \"1-5\"; "
                    "empty: every day")
    duty_hours = raw("HH:MM-HH:MM worked (local time); empty: all day", type="string")
    account = raw("login of a staff account (role member) that works this worker's "
                  "incidents", type="string")


class Leave(Body):
    from_ = raw("first day of leave", type="string", format="date", data_key="from",
                required=True, nullable=False)
    to = raw("last day (inclusive); empty: until further notice", type="string",
             format="date")
    substitute = raw("worker id who takes the incidents meanwhile", type="integer")
    note = raw("", type="string", maxLength=200)


class PartyMember(Body):
    name = raw("姓名", type="string", maxLength=100, nullable=False)
    kind = raw("resident 社区党员 | in_service 在职党员", type="string",
               enum=list(PARTY_MEMBER_KINDS))
    work_unit = raw("工作单位 (in-service members)", type="string", maxLength=200)
    home_building = raw("19-digit building code", type="string")
    serving_grid = raw("15-digit grid code", type="string")
    org = raw("party organisation id", type="integer")
    phone = raw("private", type="string", maxLength=30)
    registered_on = raw("", type="string", format="date")
    left_on = raw("", type="string", format="date")


class Registration(Body):
    """A 双报到 registration from the public form: pending until a community decides."""

    name = raw("姓名", type="string", maxLength=100, required=True, nullable=False)
    work_unit = raw("工作单位", type="string", maxLength=200, required=True, nullable=False)
    phone = raw("a number the community can call back", type="string", maxLength=30)
    community = raw("12-digit code of the community registered with", type="string",
                    required=True, nullable=False)
    serving_grid = raw("15-digit code of the grid to serve (optional)", type="string")
    form_token = raw("from GET /api/v1/reports/form", type="string")
    website = raw("leave empty", type="string")


class Decision(Body):
    action = raw("confirm | decline", type="string", enum=["confirm", "decline"],
                 required=True, nullable=False)


class LeaveChange(Body):
    """The fields given replace the leave's; those left out stay."""

    from_ = raw("first day of leave", type="string", format="date", data_key="from",
                nullable=False)
    to = raw("last day (inclusive); null: until further notice", type="string",
             format="date")
    substitute = raw("worker id who takes the incidents meanwhile; null: none",
                     type="integer")
    note = raw("", type="string", maxLength=200)


class PartyOrg(Body):
    name = raw("", type="string", maxLength=200, required=True, nullable=False)
    level = raw("community_committee 社区党委 | grid_branch 网格党支部 | building_group "
                "楼栋党小组", type="string", enum=list(PARTY_ORG_LEVELS), required=True)
    parent = raw("the parent organisation's id", type="integer")
    community = raw("12-digit community code covered", type="string")
    grid = raw("15-digit grid code covered", type="string")
    building = raw("19-digit building code covered", type="string")


class PartyOrgChange(Body):
    """The fields given replace the organisation's; any of community, grid or building
    given replaces all three (what it covers)."""

    name = raw("", type="string", maxLength=200, nullable=False)
    level = raw("community_committee | grid_branch | building_group", type="string",
                enum=list(PARTY_ORG_LEVELS), nullable=False)
    parent = raw("the parent organisation's id; null: none", type="integer")
    community = raw("12-digit community code covered", type="string")
    grid = raw("15-digit grid code covered", type="string")
    building = raw("19-digit building code covered", type="string")


class Department(Body):
    name = raw("", type="string", maxLength=200, nullable=False)
    kind = raw("department 职能部门 | resident_unit 驻区单位", type="string",
               enum=list(DEPARTMENT_KINDS))
    contact_name = raw("", type="string", maxLength=100)
    contact_phone = raw("", type="string", maxLength=30)
    communities = raw("12-digit codes of the communities served", type="array")
    streets = raw("9-digit street codes: every community of the street is served",
                  type="array")
    categories = raw("incident category codes handled", type="array")


class RosterImportForm(Query):
    file = Upload(metadata={"description": "CSV (UTF-8, GBK, GB18030; Chinese or English "
                            "column names) or XLSX"})
    encoding = fields.String(metadata={"enum": list(files.ENCODINGS),
                                       "description": "of a CSV (default utf-8)"})
    dry_run = fields.String(metadata={"enum": ["true", "false"], "description":
                                      "check only; write nothing"})
    store_good = fields.String(metadata={"enum": ["true", "false"], "description":
                                         "write the good rows even when some are bad"})


class ExportQuery(Query):
    format = Choice("csv (default) | xlsx", exports.FORMATS)
    private = Flag("true: private phones unmasked (audited)")


class Access(Body):
    role = raw("the account's new role", type="string", required=True, nullable=False)
    communities = raw("12-digit community codes the account is limited to; [] = all",
                      type="array", required=True)


class HistoryQuery(Query):
    limit = Integer("at most this many (≤ 200)", minimum=1, maximum=200, default=50)


class CalendarQuery(Query):
    month = Date("any day of the month shown (default: today)")


Record = loose("PersonRecord", id=fields.Integer(), version=fields.Integer())
Listing = loose("PersonListing", total=fields.Integer(), items=fields.List(fields.Dict()))
ImportReport = loose("RosterImportReport", kind=fields.String(), rows=fields.Integer(),
                     good=fields.Integer(), bad=fields.Integer(), written=fields.Integer(),
                     dry_run=fields.Boolean(), problems=fields.List(fields.Dict()))
History = loose("PersonHistory", entries=fields.List(fields.Dict()))
Calendar = loose("LeaveCalendar", month=fields.String(), leave=fields.List(fields.Dict()))
Orgs = loose("PartyOrgs", orgs=fields.List(fields.Dict()))
AccessAnswer = loose("AccountAccess", username=fields.String(), role=fields.String(),
                     communities=fields.List(fields.String()),
                     sessions_ended=fields.Integer())
