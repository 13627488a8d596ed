"""SQL of the OGC API – Features collections (``geo.places.features`` describes them).

Raw SQL because a page is one statement: the page's ids picked by the collection's order
(with the GiST index serving ``bbox``), only those features built, each as GeoJSON text
concatenated in the server (the geometry from ``ST_AsGeoJSON`` is never parsed again),
and the matches counted alongside. Extents come from the planner's statistics
(``ST_EstimatedExtent``) where they exist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from geo.places.features import CRS84, Collection, Query


def _source(coll: Collection, q: Query) -> tuple[str, str, str]:
    """(FROM clause, the unique key of its rows, ORDER BY) for a query: a dated
    collection asked about a time reads every version (``Collection.dated_sql``)."""
    alias = coll.id_sql.split(".")[0]
    if coll.dated_sql is not None and q.interval is not None:
        # By code (the first order column), then each code's versions in time.
        code = coll.order_sql.split(",")[0]
        return coll.dated_sql, f"{alias}.key", f"{code}, {alias}.valid_from, {alias}.key"
    return coll.from_sql, f"{alias}.id", coll.order_sql


def _where(coll: Collection, q: Query) -> tuple[str, dict]:
    alias = coll.id_sql.split(".")[0]
    clauses, values = ["TRUE"], {}
    if q.box is not None:
        # && uses the GiST index; ST_Intersects drops features whose box merely touches.
        clauses.append(f"{alias}.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) AND "
                       f"ST_Intersects({alias}.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
        values.update(zip(("x0", "y0", "x1", "y1"), q.box, strict=True))
    if coll.temporal == "validity":
        # A version is in force from valid_from (inclusive) to valid_to (exclusive).
        # Without datetime, today's versions (what a map of "the grids" means).
        start, end = q.interval if q.interval else (None, None)
        if q.interval is None:
            if coll.current_sql:
                clauses.append(coll.current_sql)
        else:
            if end is not None:
                clauses.append(f"{alias}.valid_from <= CAST(:t_end AS date)")
                values["t_end"] = end.date()
            if start is not None:
                clauses.append(f"({alias}.valid_to IS NULL"
                               f" OR {alias}.valid_to > CAST(:t_start AS date))")
                values["t_start"] = start.date()
    elif coll.temporal == "instant" and q.interval is not None:
        start, end = q.interval
        if start is not None:
            clauses.append(f"{coll.temporal_sql} >= :t_start")
            values["t_start"] = start
        if end is not None:
            clauses.append(f"{coll.temporal_sql} <= :t_end")
            values["t_end"] = end
    for name, value in q.filters.items():
        clauses.append(f"{coll.filters[name].column} = :f_{name}")
        values[f"f_{name}"] = value
    if coll.staff_only:
        clauses.append("(CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))")
        values["scope"] = None if q.scope is None else sorted(q.scope)
    return " AND ".join(clauses), values


def _feature_sql(coll: Collection, lat_first: bool) -> str:
    """One feature as GeoJSON text. Concatenated rather than json_build_object'ed: the
    geometry text from ST_AsGeoJSON is then never parsed and re-serialised."""
    alias = coll.id_sql.split(".")[0]
    geom = f"ST_ForcePolygonCCW({alias}.geom)"
    if lat_first:
        geom = f"ST_FlipCoordinates({geom})"
    return (f"""'{{"type":"Feature","id":' || to_json({coll.id_sql})::text ||
               ',"geometry":' || coalesce(ST_AsGeoJSON({geom}, 7), 'null') ||
               ',"properties":' || ({coll.props_sql})::text || '}}'""")


def items(conn: Connection, coll: Collection, q: Query) -> tuple[int, int, str]:
    """(numberMatched, numberReturned, JSON array text of the page's features).

    The page's ids are picked first and only those features built: building every
    feature up to the offset and dropping all but the last ``limit`` made deep pages of
    the city's grids twice as slow."""
    where, values = _where(coll, q)
    source, key, order = _source(coll, q)
    sql = f"""
        WITH page AS MATERIALIZED (
            SELECT {key} AS pid, row_number() OVER (ORDER BY {order}) AS ord
              FROM {source} WHERE {where}
             ORDER BY {order} LIMIT :limit OFFSET :offset),
        built AS (
            SELECT {_feature_sql(coll, q.lat_first)} AS feature, page.ord
              FROM page, {source} WHERE {key} = page.pid)
        SELECT (SELECT count(*) FROM {source} WHERE {where}),
               (SELECT count(*) FROM page),
               (SELECT '[' || coalesce(string_agg(feature, ',' ORDER BY ord), '') || ']'
                  FROM built)"""
    matched, returned, features = conn.execute(
        text(sql), {**values, "limit": q.limit, "offset": q.offset}).one()
    return matched, returned, features


def item(conn: Connection, coll: Collection, feature_id: str, *, lat_first: bool = False,
         scope: frozenset[int] | None = None) -> str | None:
    """One feature as GeoJSON text, or None (also for an id of the wrong form)."""
    if coll.id_is_code:
        if not (feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 30):
            return None
        key = feature_id
    else:
        if not (feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 18):
            return None
        key = int(feature_id)
    # The collection's own table: for grids any version by its id, for communities
    # today's (a code names every version of one).
    where, values = _where(coll, Query(interval=(None, None), scope=scope))
    sql = (f"SELECT {_feature_sql(coll, lat_first)} FROM {coll.from_sql}"
           f" WHERE {where} AND {coll.id_sql} = :fid")
    return conn.execute(text(sql), {**values, "fid": key}).scalar()


def extent(conn: Connection, coll: Collection) -> dict:
    """The collection's spatial extent (and temporal one where it has time), for its
    metadata. The bounding box comes from the planner's statistics when they exist
    (``ST_EstimatedExtent``, instant even for a million incidents), else is computed."""
    table = coll.from_sql.split()[0]
    alias = coll.id_sql.split(".")[0]
    box = conn.execute(text(f"""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
          FROM (SELECT coalesce(ST_EstimatedExtent('{table}', 'geom')::geometry,
                                (SELECT ST_Extent({alias}.geom)::geometry
                                   FROM {table} {alias})) AS e) x""")).one()
    out: dict = {"spatial": {"bbox": [[round(v, 6) for v in box]] if box[0] is not None
                             else [[-180, -90, 180, 90]], "crs": CRS84}}
    if coll.temporal == "validity":
        versions = "community_versions" if coll.id == "communities" else "grids"
        first = conn.execute(text(f"SELECT min(valid_from) FROM {versions}")).scalar()
        out["temporal"] = {"interval": [[_day(first), None]]}
    elif coll.temporal == "instant":
        first, last = conn.execute(text(
            f"SELECT min({coll.temporal_sql}), max({coll.temporal_sql}) FROM {table} i")).one()
        out["temporal"] = {"interval": [[_stamp(first), _stamp(last)]]}
    return out


def _day(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def _stamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace(
        "+00:00", "Z")
