"""Finding buildings by code, name or address text (地址匹配), for locating incidents.

Chinese addresses have no spaces between words, so the search is by substring, served by
trigram GIN indexes on ``buildings.address`` and ``buildings.name`` (pg_trgm hashes CJK
characters into trigrams like any other letters). A query of one or two characters has no
trigram of its own; it is matched as a prefix, which the same indexes serve through the
padded word-start trigrams. Digits only (4 or more) search building codes by prefix.

Ranking, best first: the exact address (or code), addresses that start with the query,
then trigram similarity, shorter addresses, code. Only the first ``_CANDIDATES`` matches
are ranked: a query matching thousands of buildings ("大街") is too vague for any order to
help, and ranking them all would cost tens of milliseconds.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Connection, text

from geo.core.errors import InvalidInput, NotFound
from geo.pg.prepared import Prepared

MAX_QUERY = 100
_CANDIDATES = 200

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


def normalize(q: str | None) -> str:
    """Full-width letters and digits to ASCII (NFKC), whitespace collapsed, checked."""
    q = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", q or "")).strip()
    if not q:
        raise InvalidInput("give the text to search for: an address, a building name or "
                           "a building code", param="q")
    if len(q) > MAX_QUERY or not q.isprintable():
        raise InvalidInput(f"q must be printable text of at most {MAX_QUERY} characters",
                           param="q")
    return q


def _like(word: str, prefix: bool) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def _text_sql(words: int) -> str:
    clauses = [f"(address LIKE :w{n} OR name LIKE :w{n} OR code = :q)" for n in range(words)]
    candidates = _BY_TEXT.format(where=" AND ".join(clauses), n=_CANDIDATES)
    return _RESULT.format(candidates=candidates, rank=_TEXT_RANK)


# The two shapes nearly every search has (a code; one word) are prepared once per
# connection: planning the ranked statement costs about as much as running it.
_TYPES = {"q": "text", "q_end": "text", "w0": "text", "limit": "int"}
_CODE_PREPARED = Prepared.of("gridmap_geocode_code_v1", _RESULT.format(
    candidates=_BY_CODE, rank="b.code = :q DESC"), _TYPES)
_WORD_PREPARED = Prepared.of("gridmap_geocode_word_v1", _text_sql(1), _TYPES)


def search(conn: Connection, q: str, limit: int = 10) -> list[dict]:
    """Buildings matching ``q`` (already normalised), best first, with point and grid."""
    if q.isdigit() and len(q) >= 4:
        rows = _CODE_PREPARED.run(conn, {"q": q, "q_end": q[:-1] + chr(ord(q[-1]) + 1),
                                         "limit": limit})
    else:
        words = q.split(" ")
        params = {"q": q, "limit": limit, **{
            f"w{n}": _like(word, prefix=len(q) < 3) for n, word in enumerate(words)}}
        rows = (_WORD_PREPARED.run(conn, params) if len(words) == 1
                else conn.execute(text(_text_sql(len(words))), params))
    return [_shown(row._mapping) for row in rows]


def _shown(row) -> dict:
    out = {key: row[key] for key in ("code", "name", "address", "lon", "lat")}
    out["grid"] = ({"code": row["grid_code"], "name": row["grid_name"]}
                   if row["grid_code"] else None)
    out["community"] = ({"code": row["community_code"], "name": row["community_name"]}
                        if row["community_code"] else None)
    out["building_id"] = row["id"]
    return out


def resolve(conn: Connection, address: str) -> dict:
    """The one building an address text means: its exact address, or the only building
    whose address contains the text. Several candidates: ``InvalidInput`` listing them."""
    q = normalize(address)
    found = search(conn, q, limit=6)
    exact = [b for b in found if b["address"] == q or b["code"] == q]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        raise NotFound(f"no building matches the address {q!r}; give coordinates, a "
                       "building code, or a fuller address")
    raise InvalidInput(
        f"the address {q!r} matches several buildings; give the full address or a "
        "building code", param="address",
        details={"candidates": [{k: b[k] for k in ("code", "address")} for b in found[:5]]})
