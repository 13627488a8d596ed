"""The JSON API under ``/api/v1``: one package per domain, as in ``geo``.

Each resource module holds one flask-smorest blueprint ``blp``; ``init_app`` below holds
the one registration list, after the document's extension (``document``). Handlers parse
(one declaration per parameter, in the domain's ``schemas``), call one function of ``geo``
or of the domain's audited-write module, and serialise.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import audit, document, health
    from app.api.field import notifications, patrols, tasks
    from app.api.incidents import assign, categories, import_presets, imports, queue, reports
    from app.api.incidents import departments as department_queue
    from app.api.layers import exports
    from app.api.outbox import webhooks
    from app.api.people import access, departments, party, rosters, workers
    from app.api.places import (
        buildings,
        communities,
        geocode,
        grids,
        lookup,
        outlines,
        overlays,
    )
    from app.api.plans import auto, drafts, review, shapes
    from app.api.plans import buildings as plan_buildings
    from app.api.stats import evaluation, mapdata, numbers

    document.init_app(app)
    for module in (health, lookup, geocode, communities, grids, buildings, queue, assign,
                   imports, import_presets, categories, audit, exports, outlines, reports,
                   drafts, review, plan_buildings, shapes, auto, numbers, evaluation, mapdata,
                   workers, party, departments, rosters, access, tasks, notifications,
                   patrols, overlays, department_queue, webhooks):
        document.api.register_blueprint(module.blp)
