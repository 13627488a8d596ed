# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support)
"""Verification (核查, issue 21 part 3): by someone other than the resolver, per category
(dispatcher, grid chief, reporter); a failed verification is 返工, reopened and counted."""

from __future__ import annotations

import pytest

from tests.loop.verify_support import (  # noqa: F401
    act,
    chief,
    dispatcher,
    incident,
    last,
    resolved,
    rework_count,
    verify_by,
    with_reference,
    worker,
)

pytestmark = pytest.mark.town("incidents")


def test_the_resolver_cannot_verify_a_dispatcher_verifies(client, conn, dispatcher, worker):
    done = resolved(client, dispatcher, worker)
    for action in ("verify", "close", "rework", "reopen"):
        refused = act(client, worker, done, action, note="自查")
        assert refused.status_code == 403, action
        assert "resolver" in refused.get_json()["error"]["message"]
    assert incident(client, dispatcher, done)["status"] == "resolved"
    closed = act(client, dispatcher, done, "verify")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    body = incident(client, dispatcher, done)
    assert body["closed_at"] is not None
    assert last(body, "verify")["to_status"] == "closed"


def test_a_failed_verification_is_rework_counted(client, conn, dispatcher, worker):
    done = resolved(client, dispatcher, worker)
    no_note = act(client, dispatcher, done, "rework")
    assert no_note.status_code == 400 and no_note.get_json()["error"]["details"]["param"] == "note"
    back = act(client, dispatcher, done, "rework", note="现场仍有杂物")
    assert back.status_code == 200 and back.get_json()["status"] == "reopened"
    assert rework_count(conn, done) == 1
    # Back to the assignee: dispatched again, resolved again, failed again.
    assert act(client, dispatcher, done, "dispatch").get_json()["assignee_id"] is not None
    for action in ("start", "resolve"):
        assert act(client, worker, done, action).status_code == 200
    assert act(client, dispatcher, done, "reopen", note="仍未清理").status_code == 200
    assert rework_count(conn, done) == 2
    history = incident(client, dispatcher, done)["history"]
    assert [e["action"] for e in history].count("rework") == 1


def test_verify_only_from_resolved(client, dispatcher, worker):
    done = resolved(client, dispatcher, worker)
    assert act(client, dispatcher, done, "verify").status_code == 200
    again = act(client, dispatcher, done, "verify")
    assert again.status_code == 409 and again.get_json()["error"]["details"]["status"] == "closed"


def test_grid_chief_verifies_where_the_category_says_so(client, conn, dispatcher, worker,
                                                        chief, staff):
    verify_by(conn, "grid_chief")
    done = resolved(client, dispatcher, worker)
    refused = act(client, dispatcher, done, "verify")
    assert refused.status_code == 403
    assert "chief" in refused.get_json()["error"]["message"]
    assert act(client, worker, done, "verify").status_code == 403
    passed = act(client, chief, done, "verify")
    assert passed.status_code == 200, passed.get_json()
    assert passed.get_json()["status"] == "closed"
    history = incident(client, dispatcher, done)["history"]
    assert last({"history": history}, "verify")["actor"] == "lina"


def test_the_chief_of_another_grid_may_not(client, conn, town, dispatcher, worker, staff,
                                           make_user, make_token):
    from tests.loop.verify_support import _member
    verify_by(conn, "grid_chief")
    other = _member(conn, make_user, make_token, "sunli", town["B_chief"])
    done = resolved(client, dispatcher, worker)
    assert act(client, other, done, "verify").status_code == 403


def test_reporter_verified_category_is_confirmed_on_the_report_page(client, conn, dispatcher,
                                                                    worker):
    verify_by(conn, "reporter")
    done = resolved(client, dispatcher, worker)
    ref = with_reference(conn, done)
    staff_try = act(client, dispatcher, done, "verify")
    assert staff_try.status_code == 403
    assert "reporting resident" in staff_try.get_json()["error"]["message"]
    status = client.get(f"/api/v1/reports/{ref}").get_json()
    assert status["can_confirm"] is True and status["status"] == "resolved"
    url = f"/api/v1/reports/{ref}/confirmation"
    assert client.post(url, json={"fixed": False}).status_code == 400  # say what is wrong
    assert client.post(url, json={"fixed": "yes"}).status_code == 400
    not_fixed = client.post(url, json={"fixed": False, "comment": "还没清理"})
    assert not_fixed.status_code == 200, not_fixed.get_json()
    assert not_fixed.get_json()["status"] == "reopened"
    assert rework_count(conn, done) == 1
    assert client.post(url, json={"fixed": True}).status_code == 409  # nothing to confirm
    assert act(client, dispatcher, done, "dispatch").status_code == 200
    for action in ("start", "resolve"):
        assert act(client, worker, done, action).status_code == 200
    fixed = client.post(url, json={"fixed": True})
    assert fixed.status_code == 200 and fixed.get_json()["state"] == "closed"
    assert fixed.get_json()["can_rate"] is True
    assert last(incident(client, dispatcher, done), "verify")["actor"] == "public"


def test_reporter_category_without_a_resident_falls_back_to_a_dispatcher(client, conn,
                                                                         dispatcher, worker):
    verify_by(conn, "reporter")
    done = resolved(client, dispatcher, worker)  # a hotline report: no reference
    assert act(client, dispatcher, done, "verify").status_code == 200


def test_the_resident_cannot_confirm_a_staff_verified_category(client, conn, dispatcher,
                                                               worker):
    done = resolved(client, dispatcher, worker)
    ref = with_reference(conn, done)
    refused = client.post(f"/api/v1/reports/{ref}/confirmation", json={"fixed": True})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/reports/{ref}").get_json()["can_confirm"] is False


def test_verify_by_is_set_on_the_category(client, staff, town):
    admin = staff("root", "admin")
    bad = client.put("/api/v1/categories/环境卫生", json={"verify_by": "mayor"}, headers=admin)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["param"] == "verify_by"
    ok = client.put("/api/v1/categories/环境卫生", json={"verify_by": "grid_chief"},
                    headers=admin)
    assert ok.status_code == 200 and ok.get_json()["verify_by"] == "grid_chief"
