# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support)
"""Resident call-back (回访, issue 21 part 4): the reporter rates a closure on their
report's page, or staff record a phone call-back; once per closure; "unsatisfied" reopens
it once (UNSATISFIED_REOPENS); the resident sees status changes and staff replies, never
staff names or phones."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.loop.verify_support import (  # noqa: F401
    act,
    dispatcher,
    incident,
    last,
    resolved,
    with_reference,
    worker,
)

pytestmark = pytest.mark.town("incidents")


def closed_report(client, conn, dispatcher, worker) -> tuple[int, str]:
    done = resolved(client, dispatcher, worker)
    ref = with_reference(conn, done)
    assert act(client, dispatcher, done, "verify").status_code == 200
    return done, ref


def rate(client, ref: str, rating: str, comment: str | None = None):
    body = {"rating": rating} if comment is None else {"rating": rating, "comment": comment}
    return client.post(f"/api/v1/reports/{ref}/rating", json=body)


def test_unsatisfied_reopens_once_then_is_only_recorded(client, conn, dispatcher, worker):
    done, ref = closed_report(client, conn, dispatcher, worker)
    before = client.get(f"/api/v1/reports/{ref}").get_json()
    assert before["can_rate"] is True and before["rating"] is None
    first = rate(client, ref, "unsatisfied", "只清理了一半")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["status"] == "reopened" and first.get_json()["state"] == "open"
    assert first.get_json()["can_rate"] is False
    assert rate(client, ref, "satisfied").status_code == 409  # not closed now
    body = incident(client, dispatcher, done)
    assert body["closed_at"] is None
    assert last(body, "reopen_unsatisfied")["to_status"] == "reopened"
    assert body["ratings"][0]["rating"] == "unsatisfied"
    assert body["ratings"][0]["reopened"] is True
    # Worked again and closed again: a second unsatisfied rating is recorded, not reopening.
    assert act(client, dispatcher, done, "dispatch").status_code == 200
    for action in ("start", "resolve"):
        assert act(client, worker, done, action).status_code == 200
    assert act(client, dispatcher, done, "verify").status_code == 200
    second = rate(client, ref, "unsatisfied", "还是不满意")
    assert second.status_code == 201 and second.get_json()["status"] == "closed"
    assert second.get_json()["rating"] == "unsatisfied"
    again = rate(client, ref, "satisfied")
    assert again.status_code == 409 and "rated already" in again.get_json()["error"]["message"]
    rows = conn.execute(text("SELECT rating, channel, reopened FROM incident_ratings"
                             " WHERE incident_id = :i ORDER BY id"), {"i": done}).all()
    assert [tuple(r) for r in rows] == [("unsatisfied", "resident", True),
                                         ("unsatisfied", "resident", False)]


def test_satisfied_stays_closed(client, conn, dispatcher, worker):
    done, ref = closed_report(client, conn, dispatcher, worker)
    answer = rate(client, ref.lower().replace("-", " "), "fair", "基本解决")
    assert answer.status_code == 201 and answer.get_json()["state"] == "closed"
    assert answer.get_json()["rating"] == "fair"
    assert incident(client, dispatcher, done)["status"] == "closed"


@pytest.mark.parametrize("body", [{}, {"rating": "great"}, {"rating": "satisfied",
                                                            "comment": "x" * 501},
                                  {"rating": "satisfied", "phone": "138"}, {"rating": None}])
def test_a_bad_rating_is_400_and_stores_nothing(client, conn, dispatcher, worker, body):
    _, ref = closed_report(client, conn, dispatcher, worker)
    response = client.post(f"/api/v1/reports/{ref}/rating", json=body)
    assert response.status_code == 400, response.get_json()
    assert conn.execute(text("SELECT count(*) FROM incident_ratings")).scalar() == 0


def test_rating_an_open_report_or_an_unknown_reference(client, conn, dispatcher, worker):
    done = resolved(client, dispatcher, worker)
    ref = with_reference(conn, done)
    assert rate(client, ref, "satisfied").status_code == 409
    assert rate(client, "ZZZZ-ZZZZ", "satisfied").status_code == 404
    assert rate(client, "not-a-ref", "satisfied").status_code == 400


def test_staff_record_a_phone_call_back(client, conn, dispatcher, worker, staff):
    done = resolved(client, dispatcher, worker)  # a hotline report: no reference
    url = f"/api/v1/incidents/{done}/callbacks"
    assert client.post(url, json={"rating": "satisfied"},
                       headers=dispatcher).status_code == 409  # not closed yet
    assert act(client, dispatcher, done, "verify").status_code == 200
    assert client.post(url, json={"rating": "meh"}, headers=dispatcher).status_code == 400
    assert client.post(url, json={"rating": "satisfied"}, headers=worker).status_code == 403
    outsider = staff("disp2", "dispatcher", ["110101001002"])
    assert client.post(url, json={"rating": "satisfied"}, headers=outsider).status_code == 404
    done_call = client.post(url, json={"rating": "unsatisfied", "comment": "电话回访：不满意"},
                            headers=dispatcher)
    assert done_call.status_code == 201, done_call.get_json()
    assert done_call.get_json() == {"rating": "unsatisfied", "comment": "电话回访：不满意",
                                    "channel": "phone", "reopened": True}
    body = incident(client, dispatcher, done)
    assert body["status"] == "reopened"
    assert body["ratings"][0]["channel"] == "phone"
    assert body["ratings"][0]["recorded_by"] == "disp"
    assert "不满意" in last(body, "rate")["note"]


def test_the_resident_sees_status_changes_and_replies_not_staff(client, conn, dispatcher,
                                                                worker):
    done, ref = closed_report(client, conn, dispatcher, worker)
    assert act(client, dispatcher, done, "note", note="内部：联系人王女士 13800001111"
               ).status_code == 200
    put = client.put(f"/api/v1/incidents/{done}/public-note", headers=dispatcher,
                     json={"public_note": "已清理完毕，感谢反映。"})
    assert put.status_code == 200
    status = client.get(f"/api/v1/reports/{ref}")
    body = status.get_json()
    statuses = [t["status"] for t in body["timeline"] if t["status"]]
    # (one test transaction: the events share a time, so compare without their order)
    assert sorted(statuses) == sorted(["reported", "accepted", "dispatched", "in_progress",
                                       "resolved", "closed"])
    assert [t["reply"] for t in body["timeline"] if t["reply"]] == ["已清理完毕，感谢反映。"]
    text_ = status.get_data(as_text=True)
    for private in ("\"disp\"", "zhangwei", "张伟", "13800001111", "王女士", "内部"):
        assert private not in text_
