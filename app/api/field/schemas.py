"""Parameters, bodies and answers of the field app's API."""

from __future__ import annotations

from marshmallow import fields

from app.api.fields import Body, Choice, Number, Query, loose, raw

LANGS = ("zh", "en")


class TasksQuery(Query):
    lon = Number("where the worker is now, WGS-84 longitude (with lat): each task's "
                 "distance_m", minimum=-180, maximum=180)
    lat = Number("latitude (with lon)", minimum=-90, maximum=90)


class NotificationsQuery(Query):
    lang = Choice("language of the texts (default: the lang cookie or Accept-Language)",
                  LANGS)


class ReadBody(Body):
    """Which notifications to mark read: ``ids`` or ``all``."""

    ids = raw("notification ids (yours)", type="array", items={"type": "integer"},
              maxItems=1000)
    all = raw("true: every unread one", type="boolean")


Tasks = loose("Tasks", worker=fields.Dict(), tasks=fields.List(fields.Dict(), required=True),
              count=fields.Integer())
Notifications = loose("Notifications", unread=fields.Integer(),
                      items=fields.List(fields.Dict(), required=True))
Marked = loose("NotificationsMarked", marked=fields.Integer(), unread=fields.Integer())
