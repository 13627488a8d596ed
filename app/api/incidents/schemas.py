"""Parameters, bodies and answers of the incidents API."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from app.api.fields import (
    Bbox,
    Body,
    Checked,
    Choice,
    Code,
    Crs,
    Date,
    Integer,
    Paging,
    Query,
    Text,
    loose,
    raw,
)
from app.models import CATEGORY_ROUTES, CLOCKS, HOLIDAY_KINDS, PRECEDENCES
from app.security import antiabuse
from geo.core import params
from geo.core.errors import InvalidInput
from geo.core.statuses import OPEN, RATINGS, SOURCES, STATUSES, VERIFIERS
from geo.incidents import bulk, escalation, imports, reports, workflow
from geo.incidents.store import reads as incidents


def statuses(raw_value: str) -> tuple[str, ...] | None:
    """``status=``: statuses, comma-separated; ``open`` for every unfinished one."""
    if not raw_value:
        return None
    wanted = []
    for part in raw_value.split(","):
        part = part.strip()
        if part == "open":
            wanted.extend(OPEN)
        elif part in STATUSES:
            wanted.append(part)
        else:
            raise InvalidInput(f"parameter 'status' must be 'open' or among "
                               f"{', '.join(STATUSES)}, got {part[:40]!r}", param="status")
    return tuple(dict.fromkeys(wanted))


def boolean(name: str):
    def check(raw_value: str) -> bool | None:
        if raw_value == "":
            return None
        if raw_value.lower() not in ("true", "false", "1", "0"):
            raise InvalidInput(f"parameter '{name}' must be true or false", param=name)
        return raw_value.lower() in ("true", "1")
    return check


def assignee(raw_value: str) -> int | str | None:
    """A grid worker id, or ``none`` (unassigned)."""
    if raw_value in ("", "none"):
        return raw_value or None
    return params.integer({"assignee": raw_value}, "assignee", default=0, minimum=1)


class IncidentsQuery(Paging):
    status = Checked("workflow status, or several comma-separated; `open` for all "
                     "unfinished", statuses)
    overdue = Checked("true: only overdue; false: only not", boolean("overdue"),
                      enum=["true", "false", "1", "0"])
    category = Text("category", 50)
    community = Code("12-digit community code", 12)
    grid = Code("15-digit grid code", 15)
    assignee = Checked("grid worker id, or `none`", assignee)
    since = Date("reported on or after (YYYY-MM-DD)", data_key="from")
    until = Date("reported on or before (YYYY-MM-DD)", data_key="to")
    bbox = Bbox()
    order = Choice("newest (default) | due", incidents.ORDERS)
    q = Text("search: an incident number, a hotline ticket number, words of the "
             "description or address, or (for roles that see reporters) a reporter's phone; "
             "reads the 10,000 newest matches (total_capped when there are more)", 100)
    callback = Choice("due: the call-back worklist (回访) — closed in the last CALLBACK_DAYS "
                      "days and not yet rated since", ("due",))


class DepartmentQuery(Paging):
    status = Checked("workflow status, or several comma-separated; `open` for all "
                     "unfinished", statuses)
    overdue = Checked("true: only overdue; false: only not", boolean("overdue"),
                      enum=["true", "false", "1", "0"])
    order = Choice("due (default) | newest", incidents.ORDERS)
    department = Integer("admins: a department id (a department account sees its own)",
                         minimum=1, maximum=2**31 - 1, default=None)


class CatalogueEntry(Body):
    """A dispatch catalogue entry; checked by ``geo.incidents.catalogue.check_entry``."""

    category = raw("a category code", type="string", nullable=False, required=True)
    street_code = raw("a street's 9-digit code; null: the category's default", type="string")
    department_id = raw("the department", type="integer", nullable=False, required=True)
    response_hours = raw("the department's response limit; null: the category's",
                         type="number")
    resolve_hours = raw("the department's resolution limit; null: the category's",
                        type="number")


class AssigneesQuery(Query):
    """Whose workers are listed: a community's, or those a search finds."""

    community = Code("12-digit community code: its workers", 12)
    q = Text("search: a name, or the start of a grid code (the first 20 found)", 100)


class PointsQuery(Query):
    bbox = Bbox()
    limit = Integer("at most this many (≤ 5000)", minimum=1, maximum=5000, default=2000)


class Report(Body):
    """An incident reported by staff; checked by ``geo.incidents.intake.check_report``."""

    category = raw("a category code (GET /categories)", type="string", nullable=False,
                   required=True)
    description = raw("what happened", type="string", maxLength=2000)
    lon = raw("longitude (with lat)", type="number")
    lat = raw("latitude (with lon)", type="number")
    crs = raw("coordinate system of lon/lat", type="string")
    building = raw("a building code", type="string")
    address = raw("resolved to one building when neither lon/lat nor building is given",
                  type="string", maxLength=300)
    source = raw("where the report came from", type="string", enum=list(SOURCES))
    priority = raw("1 (urgent), 2 (default) or 3", type="integer", enum=[1, 2, 3])
    reporter_name = raw("", type="string", maxLength=100)
    reporter_phone = raw("", type="string", maxLength=30)
    external_id = raw("hotline ticket number: a repeat returns the stored incident (200) "
                      "instead of a new one (201)", type="string", maxLength=100)
    reported_at = raw("when it was reported (ISO 8601)", type="string", format="date-time")


class Action(Body):
    """A workflow action; checked by ``geo.incidents.workflow.check_action``."""

    # Required, but checked by check_action: the route takes this body or the form.
    action = raw("required", type="string", enum=list(workflow.TRANSITIONS), nullable=False)
    note = raw("why (needed by reject, return, reopen, merge)", type="string",
               maxLength=workflow.MAX_NOTE)
    assignee = raw("dispatch: the grid worker id", type="integer")
    grid = raw("move: the grid code", type="string")
    into = raw("merge: the incident id", type="integer")
    priority = raw("prioritise: 1 (urgent), 2 or 3", type="integer")
    client_id = raw("the field app's UUID of this action: a repeat changes nothing and is "
                    "answered 200 with `repeated: true`", type="string", format="uuid")
    lon = raw("the phone's GPS fix, WGS-84 longitude (with lat)", type="number")
    lat = raw("the phone's GPS fix, WGS-84 latitude (with lon)", type="number")
    accuracy = raw("the fix's accuracy in metres", type="number", minimum=0)
    seen_status = raw("the status the phone showed: if the incident has moved on, 409 with "
                      "details.conflict", type="string", enum=list(STATUSES))
    to = raw("escalate: community | street | department", type="string",
             enum=list(escalation.TARGETS))
    department = raw("escalate (default: the dispatch catalogue's), transfer: a department id",
                     type="integer")
    due_at = raw("extend_request: the deadline asked for (ISO 8601 with offset)",
                 type="string", format="date-time")


class ActionForm(Query):
    """An action as multipart/form-data: the fields of ``Action`` and 1–6 ``photos``."""

    action = fields.String(metadata={"enum": list(workflow.TRANSITIONS),
                                     "description": "required"})
    note = fields.String(metadata={"maxLength": workflow.MAX_NOTE})
    assignee = fields.Integer(strict=False)
    grid = fields.String()
    into = fields.Integer(strict=False)
    client_id = fields.String(metadata={"format": "uuid"})
    lon = fields.Float(allow_nan=False)
    lat = fields.Float(allow_nan=False)
    accuracy = fields.Float(allow_nan=False)
    seen_status = fields.String(metadata={"enum": list(STATUSES)})
    to = fields.String(metadata={"enum": list(escalation.TARGETS)})
    department = fields.Integer(strict=False)
    due_at = fields.String(metadata={"format": "date-time"})
    photos = fields.List(Upload(), metadata={
        "description": "1–6 photos (JPEG, PNG or WebP), stored re-encoded without EXIF, at "
                       "most 1,600 px; resolving in a category with evidence_required needs "
                       "one", "maxItems": 6})
    priority = fields.Integer(strict=False)


class BulkAction(Action):
    """One workflow action for several incidents, each applied in its own transaction."""

    ids = raw(f"the incident ids (1 to {bulk.MAX_BULK}, no repeats)", type="array",
              items={"type": "integer"}, nullable=False, required=True)


class ImportForm(Query):
    """The form fields of a hotline import (the file in ``file``)."""

    file = Upload(metadata={"description": "CSV (UTF-8, GBK or GB18030), XLSX (first sheet) "
                            "or GeoJSON of Point features"})
    format = fields.String(metadata={"enum": list(imports.FORMATS), "description":
                                     "default: by the file name (.xlsx, .geojson/.json, "
                                     "else csv)"})
    encoding = fields.String(metadata={"enum": list(imports.ENCODINGS)})
    crs = Crs()
    map = fields.String(metadata={"description": 'JSON {"field": "column"}, e.g. '
                                  '{"external_id": "工单编号"}; fields: '
                                  + ", ".join(imports.FIELDS) + "; over the preset's"})
    preset = Integer("id of a saved column mapping of yours (GET /incidents/import/presets)",
                     minimum=1)
    store_good = Checked("true: store the valid rows and report the others; default: all or "
                         "nothing (any rejected row: nothing stored)", boolean("store_good"),
                         enum=["true", "false", "1", "0"])
    background = Checked("true: always run as a background job (202); default: files of "
                         "more than a few thousand rows do", boolean("background"),
                         enum=["true", "false", "1", "0"])


class PresetBody(Body):
    """A column mapping saved under a name (saving a name again replaces it)."""

    name = raw("the preset's name, e.g. 12345 export", type="string", required=True,
               maxLength=100)
    map = raw('{"field": "column"}; fields: ' + ", ".join(imports.FIELDS), type="object",
              required=True)
    format = raw("csv, xlsx or geojson (optional)", type="string", enum=list(imports.FORMATS))
    encoding = raw("text encoding (optional)", type="string", enum=list(imports.ENCODINGS))
    crs = raw("coordinate system (optional)", type="string")


class ReportForm(Query):
    """A resident's report (multipart form), checked by ``geo.incidents.residents``."""

    category = fields.String(metadata={"description": "an active category"})
    description = fields.String(metadata={"maxLength": reports.DESCRIPTION_MAX})
    lon = fields.String(metadata={"description": "longitude, degrees"})
    lat = fields.String(metadata={"description": "latitude, degrees"})
    crs = fields.String(metadata={"description": "wgs84 (default), cgcs2000, gcj02, bd09"})
    contact_name = fields.String(metadata={"maxLength": 100})
    contact_phone = fields.String(metadata={"maxLength": 30})
    photo = Upload(metadata={"description": "JPEG, PNG or WebP up to PHOTO_MAX_BYTES; "
                             "stored re-encoded without metadata"})
    form_token = fields.String(data_key=antiabuse.TOKEN, metadata={
        "description": "from GET /reports/form"})
    website = fields.String(data_key=antiabuse.HONEYPOT, metadata={
        "description": "leave empty (a trap for bots)"})


class PublicNote(Body):
    public_note = raw("text (≤ 500) or null to withdraw it", type="string",
                      maxLength=reports.NOTE_MAX)


class Rating(Body):
    rating = raw("满意 satisfied, 基本满意 fair or 不满意 unsatisfied", type="string",
                 enum=list(RATINGS), nullable=False)
    comment = raw("(≤ 500)", type="string", maxLength=500)


class Confirmation(Body):
    fixed = raw("true: it is fixed (passes verification); false: it is not (返工, with a "
                "comment saying what is wrong)", type="boolean", nullable=False)
    comment = raw("(≤ 500)", type="string", maxLength=500)


class Category(Body):
    """A category's fields, checked by ``worktables.put_category``."""

    name_en = raw("English name (≤ 100)", type="string", maxLength=100)
    response_hours = raw("hours to respond (> 0; needed for a new category)", type="number")
    resolve_hours = raw("hours to resolve (≥ response_hours; needed for a new category)",
                        type="number")
    clock = raw("", type="string", enum=list(CLOCKS), nullable=False)
    route_to = raw("", type="string", enum=list(CATEGORY_ROUTES), nullable=False)
    precedence = raw("where a responsibility overlay covers the place: place (the grid "
                     "first, 事件先属地; the default) or owner (the overlay first, 部件先属主)",
                     type="string", enum=list(PRECEDENCES), nullable=False)
    active = raw("false: no longer offered", type="boolean", nullable=False)
    public = raw("true: residents may report in it and its incidents are listed on the "
                 "public Open311 reads (coarsened); false for a new category unless given",
                 type="boolean", nullable=False)
    evidence_required = raw("true: resolving needs at least one photo from the field app "
                            "(false for a new category unless given)", type="boolean",
                            nullable=False)
    verify_by = raw("who verifies resolved work, never the resolver (dispatcher for a new "
                    "category unless given)", type="string", enum=list(VERIFIERS),
                    nullable=False)
    urgent_factor = raw("an urgent (priority 1) incident's limits are the hours times this "
                        "(0 < factor ≤ 1; 0.5 for a new category)", type="number",
                        nullable=False)


class Day(Body):
    kind = raw("", type="string", enum=list(HOLIDAY_KINDS), nullable=False)
    name = raw("(≤ 100)", type="string", maxLength=100)


Incident = loose("Incident", id=fields.Integer(required=True), status=fields.String(),
                 allowed_actions=fields.List(fields.String()),
                 resident_report=fields.Dict(allow_none=True, metadata={
                     "description": "a resident's report: reference, public_note, "
                                    "public_note_at, photo (true when it has one)"}),
                 nearest_building=fields.Dict(allow_none=True, metadata={
                     "description": "the building nearest the point within 100 m: code, "
                                    "name, address, distance_m"}))
IncidentPage = loose("IncidentPage", incidents=fields.List(fields.Dict()),
                     total=fields.Integer(), overdue=fields.Integer(),
                     total_capped=fields.Boolean(metadata={
                         "description": "true when a search (q) matched more than the "
                                        "10,000 newest incidents it reads: total and overdue "
                                        "are then lower bounds, and the page is chosen "
                                        "among those 10,000"}))
Counts = loose("IncidentCounts")
Catalogue = loose("DispatchCatalogue", entries=fields.List(fields.Dict(), required=True))
CatalogueEntryAnswer = loose("DispatchCatalogueEntry", id=fields.Integer(required=True),
                             category=fields.String(), department_id=fields.Integer())
Points = loose("IncidentPoints", points=fields.List(fields.List(fields.Raw())),
               truncated=fields.Boolean())
ImportSummary = loose("ImportSummary", file=fields.String(), rows=fields.Integer(),
                      loaded=fields.Integer(), duplicates=fields.Integer(),
                      rejected_count=fields.Integer(), rejected=fields.List(fields.Dict()))
ImportJob = loose("ImportJob", id=fields.Integer(), url=fields.String(), file=fields.String(),
                  state=fields.String(metadata={"enum": ["queued", "running", "done",
                                                         "failed"]}),
                  step=fields.String(allow_none=True), rows_done=fields.Integer(),
                  rows_total=fields.Integer(allow_none=True),
                  result=fields.Dict(allow_none=True), error=fields.Dict(allow_none=True))
ImportPresets = loose("ImportPresets", presets=fields.List(fields.Dict(), required=True))
ImportPreset = loose("ImportPreset", id=fields.Integer(), name=fields.String(),
                     map=fields.Dict(), options=fields.Dict())
FormToken = loose("FormToken", form_token=fields.String(required=True),
                  min_seconds=fields.Raw())
ReportStatus = loose("ReportStatus", reference=fields.String(),
                     category=fields.String(allow_none=True),
                     reported_at=fields.String(), state=fields.String(metadata={
                         "enum": ["open", "closed"]}),
                     closed_at=fields.String(allow_none=True),
                     public_note=fields.String(allow_none=True),
                     public_note_at=fields.String(allow_none=True),
                     status=fields.String(), timeline=fields.List(fields.Dict()),
                     rating=fields.String(allow_none=True), can_rate=fields.Boolean(),
                     can_confirm=fields.Boolean())
RatingAnswer = loose("RatingAnswer", rating=fields.String(), comment=fields.String(
    allow_none=True), channel=fields.String(), reopened=fields.Boolean())
PublicNoteAnswer = loose("PublicNoteAnswer", public_note=fields.String(allow_none=True))
Categories = loose("Categories", categories=fields.List(fields.Dict(), required=True))
CategoryAnswer = loose("CategoryAnswer", code=fields.String())
Days = loose("Days", days=fields.List(fields.Dict(), required=True))
DayAnswer = loose("DayAnswer", day=fields.String(), kind=fields.String(allow_none=True),
                  name=fields.String(allow_none=True))
Assignees = loose("Assignees", workers=fields.List(fields.Dict(), required=True))
Candidates = loose("Candidates", incident=fields.Integer(),
                   assignee_id=fields.Integer(allow_none=True),
                   candidates=fields.List(fields.Dict(), required=True))
BulkResults = loose("BulkResults", done=fields.Integer(), failed=fields.Integer(),
                    results=fields.List(fields.Dict(), required=True))
