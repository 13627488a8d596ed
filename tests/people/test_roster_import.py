"""Roster imports (flask people import, POST /api/v1/people/<kind>/import): GBK CSV from
Excel and XLSX, a dry run writes nothing, a bad row is reported with its number and
reason and stops the file unless the good rows are asked for; exports mask phones."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_D

pytestmark = pytest.mark.town("incidents")
HEADER = ["姓名", "角色", "网格", "公开电话", "私人电话", "服务时间", "同意公开", "值班日",
          "值班时间"]
ROWS = [["王一", "专职网格员", GRID_A, "010-1", "13811112222", "周一至周五", "是", "1-5",
         "09:00-17:30"],
        ["王二", "兼职网格员", f"{GRID_A};{GRID_B}", "", "13811113333", "", "否", "", ""],
        ["王三", "网格长", GRID_D, "", "", "", "", "", ""]]


def gbk_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("gbk")


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count(conn, name_like="王%"):
    return conn.execute(text("SELECT count(*) FROM grid_members WHERE name LIKE :n"),
                        {"n": name_like}).scalar()


def test_gbk_csv_imports_every_row_with_grids_and_schedule(runner, tmp_path, conn, town):
    path = tmp_path / "workers.csv"
    path.write_bytes(gbk_csv(ROWS))
    result = runner.invoke(args=["people", "import", "workers", str(path), "--encoding", "gbk"])
    assert result.exit_code == 0, result.output
    assert "3 rows, 3 good, 0 bad, 3 written" in result.output
    rows = conn.execute(text("""
        SELECT m.name, m.role, m.publish, m.duty_days, array_agg(g.code ORDER BY g.code)
          FROM grid_members m JOIN worker_grids w ON w.worker_id = m.id
          JOIN grids g ON g.id = w.grid_id WHERE m.name LIKE '王%'
         GROUP BY 1, 2, 3, 4 ORDER BY 1""")).all()
    assert [tuple(r) for r in rows] == [
        ("王一", "full_time", True, [1, 2, 3, 4, 5], [GRID_A]),
        ("王三", "grid_chief", False, None, [GRID_D]),
        ("王二", "part_time", False, None, [GRID_A, GRID_B])]
    history = conn.execute(text("SELECT count(*) FROM audit_log WHERE action ="
                                " 'worker.import'")).scalar()
    assert history == 3


def test_a_bad_row_is_reported_by_number_and_nothing_is_written(runner, tmp_path, conn, town):
    bad = [*ROWS[:1], ["王四", "队长", GRID_A, "", "", "", "", "", ""], ROWS[1],
           ["王五", "专职网格员", "110101009009009", "", "", "", "", "", ""]]
    path = tmp_path / "workers.xlsx"
    path.write_bytes(xlsx(bad))
    result = runner.invoke(args=["people", "import", "workers", str(path)])
    assert result.exit_code != 0
    assert "row 3: 'role' must be one of" in result.output
    assert "row 5: no current grid 110101009009009 in your communities" in result.output
    assert "nothing written" in result.output and count(conn) == 0
    dry = runner.invoke(args=["people", "import", "workers", str(path), "--dry-run",
                              "--store-good"])
    assert "2 good, 2 bad, 0 written (dry run)" in dry.output and count(conn) == 0
    good = runner.invoke(args=["people", "import", "workers", str(path), "--store-good"])
    assert good.exit_code == 0 and "2 written" in good.output and count(conn) == 2


def test_the_api_import_is_confined_to_the_callers_communities(client, staff, town, conn):
    office = staff("office1", "community_admin", [COMMUNITY_1])
    response = client.post("/api/v1/people/workers/import", data={
        "file": (io.BytesIO(gbk_csv(ROWS)), "w.csv"), "encoding": "gbk",
        "dry_run": "true"}, headers=office, content_type="multipart/form-data")
    report = response.get_json()
    assert response.status_code == 200, report
    assert (report["rows"], report["good"], report["written"]) == (3, 2, 0)
    assert report["problems"] == [{"row": 4, "field": None, "reason":
                                   f"no current grid {GRID_D} in your communities"}]
    assert count(conn) == 0


def test_party_members_and_departments_import(runner, tmp_path, conn, town):
    members = tmp_path / "party.csv"
    members.write_text("姓名,类型,工作单位,居住楼栋,服务网格\n"
                       f"党员甲,社区党员,,1101010010010010001,{GRID_A}\n"
                       f"党员乙,在职党员,区税务局,,{GRID_A}\n"
                       f"党员丙,在职党员,,,{GRID_A}\n", encoding="utf-8-sig")
    result = runner.invoke(args=["people", "import", "party-members", str(members),
                                 "--store-good"])
    assert "row 4: 'work_unit' is required" in result.output
    assert conn.execute(text("SELECT count(*) FROM party_members WHERE status ="
                             " 'confirmed'")).scalar() == 2
    units = tmp_path / "units.csv"
    units.write_text("名称,类型,联系人,联系电话,服务街道,事件类别\n"
                     "区城管执法局,职能部门,刘队,010-12345,110101001,环境卫生;占道经营\n",
                     encoding="gb18030")
    result = runner.invoke(args=["people", "import", "departments", str(units),
                                 "--encoding", "gb18030"])
    assert result.exit_code == 0, result.output
    served = conn.execute(text("SELECT count(*) FROM department_communities")).scalar()
    assert served == 2  # both communities of street 110101001


def test_exports_mask_private_phones_unless_asked(runner, tmp_path, conn, town):
    out = tmp_path / "w.xlsx"
    assert runner.invoke(args=["people", "export", "workers", str(out)]).exit_code == 0
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "139****5678" in cells and "13912345678" not in cells
    plain = tmp_path / "w.csv"
    assert runner.invoke(args=["people", "export", "workers", str(plain),
                               "--private"]).exit_code == 0
    assert "13912345678" in plain.read_text(encoding="utf-8-sig")
    audited = conn.execute(text("SELECT after->>'private' FROM audit_log WHERE action ="
                                " 'people.export' ORDER BY id")).scalars().all()
    assert audited == ["false", "true"]
