"""Server-rendered pages (staff login, administration, maps). JSON APIs live in ``app.api``."""

# Names of the blueprints ``init_app`` registers: their errors are shown as HTML pages rather
# than JSON (``app.errors``). Filled from the one registration list below, so a new page
# blueprint cannot be left out; every app registers the same blueprints under the same names.
PAGE_BLUEPRINTS: set[str] = set()


def init_app(app) -> None:
    import json

    from app.web import admin, api_docs, imports, signin, webhooks
    from app.web.incidents import department, dispatch
    from app.web.patrols import coverage as patrol_coverage
    from app.web.people import pages as people_pages
    from app.web.places import overview, public_map, qrcodes
    from app.web.plans import planner
    from app.web.stats import evaluation, statsmaps
    from app.web.work import pages as work_pages
    from app.web.work import pwa  # noqa: F401 - adds the manifest and worker to work_pages.bp

    for module in (signin, admin, overview, dispatch, imports, public_map, qrcodes, statsmaps,
                   planner, api_docs, people_pages, patrol_coverage, work_pages, department,
                   webhooks, evaluation):
        app.register_blueprint(module.bp)
        PAGE_BLUEPRINTS.add(module.bp.name)
    from app.maps import basemaps
    from app.security.accounts import token_state
    from app.web.i18n import lang
    from app.web.roles import account_role_name

    basemaps.check(app.config)
    app.jinja_env.globals["token_state"] = token_state
    app.jinja_env.globals["account_role"] = account_role_name
    # Map pages embed the basemap switcher's choices: {% include "_basemaps.html" %}.
    app.jinja_env.globals["basemaps_config"] = lambda: basemaps.page_config(app.config, lang())
    app.jinja_env.filters["tojson_pretty"] = lambda value: json.dumps(
        value, ensure_ascii=False, indent=1, sort_keys=True, default=str)
