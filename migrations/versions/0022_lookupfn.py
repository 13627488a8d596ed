"""Issue 24 part 2: the public lookup as the PL/pgSQL function ``gridmap_lookup(lon, lat,
snap)`` returning its JSON text (NULL outside every community and grid). PL/pgSQL plans
the statement once per database session and keeps the plan, so the lookup is cheap to plan
both on a direct connection and through PgBouncer's transaction pooling, whose server
connections persist (a SQL-level PREPARE would be missing on the next one). The body is
``geo.places.store.reads.LOOKUP_FUNCTION_BODY`` as it was at this revision, copied here
so that this migration does not change when the code does; a test checks that the
database's function is the code's (a later change to the rule needs a new migration).

Revision ID: 0022_lookupfn
Revises: 0022_retain
Create Date: 2026-12-07
"""
from alembic import op

revision = '0022_lookupfn'
down_revision = '0022_retain'
branch_labels = None
depends_on = None

_BODY = """
BEGIN
    RETURN (SELECT CASE WHEN located THEN body END FROM (
    SELECT (loc.grid_id IS NOT NULL OR loc.community_id IS NOT NULL) AS found, json_build_object(
      'community',
           (SELECT json_build_object('code', c.code, 'name', c.name,
                                     'street_name', c.street_name, 'street_code', c.street_code,
                                     'office_address', c.office_address)
              FROM communities c WHERE c.id = loc.community_id),
      'grid', (SELECT json_build_object('id', g.id, 'code', g.code, 'name', g.name)
                 FROM grids g WHERE g.id = loc.grid_id),
      'workers', (SELECT coalesce(json_agg(json_build_object(
                        'name', m.name, 'role', m.role, 'public_phone', m.public_phone,
                        'masked_phone', CASE WHEN m.public_phone IS NULL AND length(m.private_phone) >= 11 THEN left(m.private_phone, 3) || '****' || right(m.private_phone, 4) END, 'service_hours', m.service_hours)
                      ORDER BY array_position(
                        ARRAY['grid_chief','full_time','part_time','building_head','grid_instructor'],
                        m.role::text),
                      m.id), '[]'::json)
              FROM grid_members m JOIN worker_grids_now wg ON wg.worker_id = m.id
             WHERE wg.grid_id = loc.grid_id AND m.active AND m.publish),
      'snapped', loc.state = 'snapped',
      'distance_m', round(loc.distance_m::numeric, 1))::text
      FROM (
    (SELECT g.id AS grid_id, g.community_id, 'covered' AS state, NULL::float8 AS distance_m
       FROM grids g
      WHERE g.valid_to IS NULL AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
      ORDER BY g.code LIMIT 1)
    UNION ALL
    (SELECT g.id, g.community_id, 'snapped',
            ST_Distance(g.geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_m
       FROM grids g
      WHERE g.valid_to IS NULL AND g.geom && ST_Expand(ST_SetSRID(ST_MakePoint($1, $2), 4326), 1.01 * $3 / (111320 * cos(radians(ST_Y(ST_SetSRID(ST_MakePoint($1, $2), 4326))))), 1.01 * $3 / 110574)
        AND ST_DWithin(g.geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3)
      ORDER BY distance_m, g.code LIMIT 1)
    UNION ALL
    (SELECT NULL::int, c.id, 'out_of_area', NULL::float8
       FROM communities c WHERE ST_Covers(c.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY c.code LIMIT 1)
    UNION ALL
    (SELECT NULL::int, NULL::int, 'out_of_area', NULL::float8)
    LIMIT 1
) loc
    ) answer (located, body));
END
"""


def upgrade():
    op.execute("CREATE OR REPLACE FUNCTION gridmap_lookup(float8, float8, float8) RETURNS text"
               " LANGUAGE plpgsql STABLE AS $fn$" + _BODY + "$fn$")


def downgrade():
    op.execute("DROP FUNCTION gridmap_lookup(float8, float8, float8)")
