"""The monthly report (月报): ``GET /api/v1/reports/monthly/<YYYY-MM>.{xlsx,pdf}``, scoped
like the statistics (a community-limited account's report covers its communities).
``monthly_file`` is also what ``flask reports monthly`` calls."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app
from flask_login import current_user
from sqlalchemy import Connection

from app.api.common import STAFF, Blueprint
from app.api.fields import Code, Query
from app.api.stats.numbers import FAILS, _refreshed
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.errors import NotFound
from geo.stats import caseload
from geo.stats.report import monthly

blp = Blueprint("monthly_reports", __name__, url_prefix="/api/v1",
                description="Reports (报表): the monthly evaluation report, for staff")

MONTH = {"in": "path", "name": "month", "required": True,
         "description": "the month, YYYY-MM (local time)",
         "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
EXT = {"in": "path", "name": "ext", "required": True, "description": "xlsx or pdf",
       "schema": {"type": "string", "enum": list(monthly.FORMATS)}}


class ReportQuery(Query):
    street = Code("only this street (9-digit code; default: every street you may see)", 9)


def monthly_file(conn: Connection, month: str, fmt: str, street: str | None,
                 scope: frozenset[int] | None) -> bytes:
    """The report's bytes with this application's settings (time zone, 解决率 rule)."""
    cfg = current_app.config
    return monthly.monthly_report(
        conn, month, fmt, timezone=cfg["TIMEZONE"], now=dt.datetime.now(dt.UTC),
        street=street, scope=scope, rule=cfg.get("EVAL_RESOLVED_RULE", "not_unsatisfied"))


@blp.route("/reports/monthly/<month>.<ext>", methods=["GET"])
@require("stats:read")
@blp.doc(summary="The monthly evaluation report as XLSX or PDF", security=STAFF,
         parameters=[MONTH, EXT],
         description="One month's indicators at every level (street, community, grid, "
                     "worker, department) with their formulas: XLSX with a sheet per "
                     "level; PDF with the headline rates, the rankings and their change "
                     "since the previous month, the caseload map and the worst-performing "
                     "units. Definitions: GET /stats/evaluation `formulas`.")
@blp.arguments(ReportQuery, location="query")
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, success=True,
                  content_type=monthly.FORMATS["pdf"], description="the PDF")
@blp.response(200, {"type": "string", "format": "binary"},
              content_type=monthly.FORMATS["xlsx"], description="the workbook")
@blp.fails({**FAILS, 400: "bad month (YYYY-MM) or street code, or an unknown parameter",
            404: "unknown format, or no such street among the caller's"})
def monthly_report(args, month: str, ext: str):
    if ext not in monthly.FORMATS:
        raise NotFound(f"no such format {ext[:10]!r}: use .xlsx or .pdf")
    street = args.get("street")
    _refreshed(caseload)
    body = read(lambda conn: monthly_file(conn, month, ext, street, current_user.communities))
    name = monthly.filename(month, ext, street)
    return Response(body, mimetype=monthly.FORMATS[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
