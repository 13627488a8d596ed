from sqlalchemy import text


def test_healthz_reports_postgis_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"].startswith("3.")


def test_migrations_leave_one_gist_index_per_geometry_column(conn):
    rows = conn.execute(text("""
        SELECT c.table_name, c.column_name,
               (SELECT count(*) FROM pg_indexes i
                 WHERE i.tablename = c.table_name AND i.indexdef ILIKE '%USING gist%'
                   AND i.indexdef LIKE '%(' || c.column_name || ')%') AS n
          FROM information_schema.columns c
         WHERE c.udt_name = 'geometry' AND c.table_schema = 'public'""")).all()
    assert {r.table_name for r in rows} >= {"communities", "grids", "buildings", "incidents",
                                             "plan_grids"}
    assert all(r.n == 1 for r in rows), rows
