"""Server-rendered pages (staff login, administration, maps). JSON APIs live in ``app.api``."""

# Blueprints whose errors are shown as HTML pages rather than JSON.
PAGE_BLUEPRINTS = frozenset({"pages", "admin", "maps", "dispatch", "public_map", "qrcodes",
                             "statsmaps", "planner"})


def init_app(app) -> None:
    import json

    from app.web import admin, signin
    from app.web.incidents import dispatch
    from app.web.places import overview, public_map, qrcodes
    from app.web.plans import planner
    from app.web.stats import statsmaps

    for module in (signin, admin, overview, dispatch, public_map, qrcodes, statsmaps, planner):
        app.register_blueprint(module.bp)
    from app.security.accounts import token_state

    app.jinja_env.globals["token_state"] = token_state
    app.jinja_env.filters["tojson_pretty"] = lambda value: json.dumps(
        value, ensure_ascii=False, indent=1, sort_keys=True, default=str)
