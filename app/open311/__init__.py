"""Open311 GeoReport v2 under ``/open311/v2``: incident categories as services, incidents
as service requests, in JSON and XML (``.json``/``.xml`` suffix). The mapping to our
workflow lives in :mod:`geo.incidents.open311`; intake goes through :mod:`geo.incidents.intake` like
``POST /api/v1/incidents``."""

from app.open311.views import bp

__all__ = ["bp"]
