"""SQL of building search (``geo.places.geocode``): candidates by index, ranked in the server.

Raw SQL because the search leans on PostgreSQL: a btree range for code prefixes, the
trigram index (``pg_trgm``) for ``LIKE`` on addresses and names, ``similarity`` to rank,
and a point on the surface only for the few rows kept. The two shapes nearly every
search has are server-side prepared statements (``geo.pg.prepared``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, text

from geo.pg.prepared import Prepared

CANDIDATES = 200

# Ranked first, then the point and the names for the few kept: a point on the surface of
# every candidate would cost more than the search.
_RESULT = """
    SELECT b.id, b.code, b.name, b.address,
           round(ST_X(p.geom)::numeric, 7)::float8 AS lon,
           round(ST_Y(p.geom)::numeric, 7)::float8 AS lat,
           g.code AS grid_code, g.name AS grid_name,
           c.code AS community_code, c.name AS community_name
      FROM (SELECT b.*, row_number() OVER (
                       ORDER BY {rank}, length(b.address) NULLS LAST, b.code) AS place
              FROM ({candidates}) b
             ORDER BY place LIMIT :limit) b
      CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS geom) p
      LEFT JOIN grids g ON g.id = b.grid_id
      LEFT JOIN communities c ON c.id = b.community_id
     ORDER BY b.place
"""

_COLUMNS = "id, code, name, address, geom, grid_id, community_id"
_BY_CODE = f"""SELECT {_COLUMNS} FROM buildings WHERE code >= :q AND code < :q_end ORDER BY code
              LIMIT :limit"""
_BY_TEXT = f"SELECT {_COLUMNS} FROM buildings WHERE {{where}} LIMIT {{n}}"
_TEXT_RANK = ("b.code = :q DESC, coalesce(b.address = :q, false) DESC, "
              "coalesce(b.name = :q, false) DESC, "
              "coalesce(starts_with(b.address, :q), false) DESC, "
              "similarity(coalesce(b.address, '') || coalesce(b.name, ''), :q) DESC")


def _text_sql(words: int) -> str:
    clauses = [f"(address LIKE :w{n} OR name LIKE :w{n} OR code = :q)" for n in range(words)]
    candidates = _BY_TEXT.format(where=" AND ".join(clauses), n=CANDIDATES)
    return _RESULT.format(candidates=candidates, rank=_TEXT_RANK)


# The two shapes nearly every search has (a code; one word) are prepared once per
# connection: planning the ranked statement costs about as much as running it.
_TYPES = {"q": "text", "q_end": "text", "w0": "text", "limit": "int"}
_CODE_PREPARED = Prepared.of("gridmap_geocode_code_v1", _RESULT.format(
    candidates=_BY_CODE, rank="b.code = :q DESC"), _TYPES)
_WORD_PREPARED = Prepared.of("gridmap_geocode_word_v1", _text_sql(1), _TYPES)


def by_code(conn: Connection, q: str, q_end: str, limit: int) -> Sequence[Row]:
    """Buildings whose code starts with ``q`` (``q`` <= code < ``q_end``), ranked."""
    return _CODE_PREPARED.run(conn, {"q": q, "q_end": q_end, "limit": limit}).all()


def by_words(conn: Connection, q: str, patterns: list[str], limit: int) -> Sequence[Row]:
    """Buildings whose address or name matches every ``LIKE`` pattern (or whose code is
    ``q``), ranked by how well they match ``q``."""
    values = {"q": q, "limit": limit, **{f"w{n}": p for n, p in enumerate(patterns)}}
    if len(patterns) == 1:
        return _WORD_PREPARED.run(conn, values).all()
    return conn.execute(text(_text_sql(len(patterns))), values).all()
