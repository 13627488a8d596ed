"""Finding buildings by code, name or address text (地址匹配), for locating incidents.

Chinese addresses have no spaces between words, so the search is by substring, served by
trigram GIN indexes on ``buildings.address`` and ``buildings.name`` (pg_trgm hashes CJK
characters into trigrams like any other letters). A query of one or two characters has no
trigram of its own; it is matched as a prefix, which the same indexes serve through the
padded word-start trigrams. Digits only (4 or more) search building codes by prefix.

Ranking, best first: the exact address (or code), addresses that start with the query,
then trigram similarity, shorter addresses, code. Only the first 200 matches
(``geo.places.store.geocode.CANDIDATES``) are ranked: a query matching thousands of
buildings ("大街") is too vague for any order to help, and ranking them all would cost
tens of milliseconds.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Connection

from geo.core.errors import InvalidInput, NotFound
from geo.places.store import geocode as geocode_store

MAX_QUERY = 100


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


def search(conn: Connection, q: str, limit: int = 10) -> list[dict]:
    """Buildings matching ``q`` (already normalised), best first, with point and grid."""
    if q.isdigit() and len(q) >= 4:
        rows = geocode_store.by_code(conn, q, q[:-1] + chr(ord(q[-1]) + 1), limit)
    else:
        rows = geocode_store.by_words(conn, q, [_like(word, prefix=len(q) < 3)
                                                for word in q.split(" ")], limit)
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
