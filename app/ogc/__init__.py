"""OGC API – Features under ``/ogc``: Part 1 Core with the GeoJSON, HTML and OpenAPI 3.0
conformance classes, and Part 2 (coordinate reference systems by reference) for the
geographic CRSs of :data:`geo.places.features.CRS_LIST`.

What the collections hold and their queries live in :mod:`geo.places.features`; this package
negotiates the format, checks parameters, adds links and renders HTML.
"""

from app.ogc.views import bp

__all__ = ["bp"]
