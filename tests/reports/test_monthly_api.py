"""The monthly report's download (GET /api/v1/reports/monthly/<YYYY-MM>.{xlsx,pdf}) and
command (flask reports monthly): the same numbers as the evaluation API, scoped like it."""

import io

import pytest
from openpyxl import load_workbook

from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2, GRID_A, GRID_D

pytestmark = pytest.mark.town("stats")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STREET = COMMUNITY_1[:9]


def sheet_rows(body: bytes, sheet: str) -> tuple[list, dict]:
    ws = load_workbook(io.BytesIO(body))[sheet]
    head = [c.value for c in ws[1]]
    return head, {r[0]: dict(zip(head, r, strict=True))
                  for r in ws.iter_rows(min_row=2, values_only=True)}


def test_the_xlsx_download_holds_the_evaluation_apis_numbers(client, viewer, town):
    answer = client.get("/api/v1/reports/monthly/2025-05.xlsx", headers=viewer)
    assert answer.status_code == 200 and answer.mimetype == XLSX
    assert 'filename="monthly-2025-05.xlsx"' in answer.headers["Content-Disposition"]
    api = client.get("/api/v1/stats/evaluation", headers=viewer, query_string={
        "level": "grid", "from": "2025-05-01", "to": "2025-06-01"}).get_json()
    numbers = {r["unit"]["code"]: r["indicators"] for r in api["rows"]}
    _, grids = sheet_rows(answer.data, "网格")
    for code in (GRID_A, GRID_D):
        for key, name in (("on_time_rate", "按期结案率"), ("rework_rate", "返工率"),
                          ("count", "事件数")):
            assert grids[code][name] == numbers[code][key]["value"], (code, key)
        assert grids[code]["按期结案率·分母"] == numbers[code]["on_time_rate"]["denominator"]


def test_a_street_report_and_a_community_limited_account_see_only_their_units(
        client, viewer, town, make_user, make_token):
    answer = client.get(f"/api/v1/reports/monthly/2025-05.pdf?street={STREET}",
                        headers=viewer)
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    assert f"monthly-2025-05-{STREET}.pdf" in answer.headers["Content-Disposition"]
    make_user("one-viewer", "viewer", [COMMUNITY_1])
    limited = bearer(make_token("one-viewer"))
    answer = client.get("/api/v1/reports/monthly/2025-05.xlsx", headers=limited)
    assert answer.status_code == 200
    _, communities = sheet_rows(answer.data, "社区")
    assert list(communities) == [COMMUNITY_1]
    _, grids = sheet_rows(answer.data, "网格")
    assert GRID_A in grids and GRID_D not in grids and COMMUNITY_2 not in communities


@pytest.mark.parametrize(("path", "status"), [
    ("/api/v1/reports/monthly/2025-13.xlsx", 400), ("/api/v1/reports/monthly/2025-5.pdf", 400),
    ("/api/v1/reports/monthly/May.pdf", 400), ("/api/v1/reports/monthly/2025-05.docx", 404),
    ("/api/v1/reports/monthly/2025-05.xlsx?street=12", 400),
    ("/api/v1/reports/monthly/2025-05.xlsx?street=999999999", 404),
    ("/api/v1/reports/monthly/2025-05.xlsx?format=pdf", 400),
])
def test_bad_requests_are_4xx_with_the_error_body(client, viewer, town, path, status):
    answer = client.get(path, headers=viewer)
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["error"]["message"]


def test_the_command_writes_the_same_report(runner, town, tmp_path):
    out = tmp_path / "nov.pdf"
    result = runner.invoke(args=["reports", "monthly", "2025-05", "--street", STREET,
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "bytes in" in result.output
    out = tmp_path / "may.xlsx"
    result = runner.invoke(args=["reports", "monthly", "2025-05", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[1] == "街道"
    bad = runner.invoke(args=["reports", "monthly", "2025-13"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
