"""The /work app in a phone: a grid worker's account, tasks, a phone-sized browser."""

from __future__ import annotations

from sqlalchemy import text

from geo.places.assign import assign_incidents
from tests.support.geometries import xy

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
PASSWORD = "correct-horse-1"


def worker_account(app, name: str, member_id: int) -> None:
    """A member account linked to grid member ``member_id``, committed."""
    from app.extensions import db
    from app.security import accounts

    accounts.create_user(name, "member", password=PASSWORD, min_length=10,
                         grid_member_id=member_id)
    db.session.commit()


def task(conn, x: float, y: float, assignee: int, *, status: str = "dispatched",
         category: str = "环境卫生", description: str = "楼道堆放杂物",
         due_hours: float = 24) -> int:
    """An incident at unit point (x, y), located, assigned to ``assignee`` in ``status``."""
    lon, lat = xy(x, y)
    incident = conn.execute(text(
        "INSERT INTO incidents (category, description, geom, source, reported_at, status,"
        " priority, assignee_id, due_at, response_due_at, reporter_phone)"
        " VALUES (:c, :d, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'hotline', now(),"
        " :s, 2, :a, now() + make_interval(secs => :due * 3600), now() + interval '1 hour',"
        " '13800001111') RETURNING id"),
        {"c": category, "d": description, "lon": lon, "lat": lat, "s": status,
         "a": assignee, "due": due_hours}).scalar_one()
    assign_incidents(conn, snap_meters=50, ids=[incident])
    conn.execute(text("UPDATE incidents SET assignee_id = :a, status = :s WHERE id = :i"),
                 {"a": assignee, "s": status, "i": incident})
    return incident


def phone(browser, live_server, where: tuple[float, float], viewport=None, locale="zh-CN"):
    """A phone-sized context with touch and the position ``where`` (lon, lat) granted;
    requests leaving the test server (basemap tiles) refused. → (context, page)."""
    context = browser.new_context(
        viewport=viewport or PHONE, has_touch=True, is_mobile=viewport is None,
        base_url=live_server, locale=locale, permissions=["geolocation"],
        geolocation={"longitude": where[0], "latitude": where[1], "accuracy": 8})
    context.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
        live_server) else route.continue_())
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    return context, tab


def sign_in(tab, name: str, start: str = "/work") -> None:
    tab.goto(start)
    tab.fill("#username", name)
    tab.fill("#password", PASSWORD)
    tab.click("button.btn-primary[type=submit]")
    tab.wait_for_selector("#task-list li")
