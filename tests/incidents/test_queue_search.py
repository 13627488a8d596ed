"""The dispatcher's queue search (``GET /api/v1/incidents?q=``): by incident number, hotline
ticket, words, and a repeat caller's phone — the phone only for roles that see reporters,
and nothing outside the caller's communities."""

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.incidents.test_incidents_api import at, report
from tests.support.geometries import COMMUNITY_1

pytestmark = pytest.mark.town("incidents")


def found(client, headers, q, **extra) -> list[int]:
    answer = client.get("/api/v1/incidents", query_string={"q": q, **extra}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return sorted(i["id"] for i in answer.get_json()["incidents"])


@pytest.fixture
def reported(client, dispatcher, town):
    made = [report(client, dispatcher, **at(1, 1.5), description="楼道堆放杂物",
                   reporter_phone="13800001111", external_id="12345-2026-0001"),
            report(client, dispatcher, **at(3, 0.5), description="路灯不亮_50%",
                   reporter_phone="138 0000 1111"),
            report(client, dispatcher, **at(5, 1), description="噪音扰民",
                   reporter_phone="13900002222")]
    return [answer.get_json()["id"] for answer in made]


def test_search_by_number_ticket_words_and_phone(client, dispatcher, reported):
    first, second, third = reported
    assert found(client, dispatcher, str(second)) == [second]
    assert found(client, dispatcher, f"#{third}") == [third]
    assert found(client, dispatcher, "12345-2026-0001") == [first]
    assert found(client, dispatcher, "堆放") == [first]
    assert found(client, dispatcher, "_50%") == [second]  # LIKE's wildcards are literal
    assert found(client, dispatcher, "%") == [second]
    assert found(client, dispatcher, "138-0000-1111") == [first, second]  # a repeat caller
    assert found(client, dispatcher, "138-0000-1111", status="closed") == []
    assert found(client, dispatcher, "没有这种事") == []


def test_phone_search_only_for_roles_that_see_reporters(client, staff, reported):
    viewer = staff("look", "viewer")
    assert found(client, viewer, "13800001111") == []  # no oracle of who called
    assert found(client, viewer, "堆放") == [reported[0]]


def test_search_stays_inside_the_callers_communities(client, staff, reported):
    limited = staff("disp1", "dispatcher", (COMMUNITY_1,))
    assert found(client, limited, "13900002222") == []  # incident 3 is in community 2
    assert found(client, limited, "138-0000-1111") == reported[:2]


@pytest.mark.parametrize("q", ["x" * 101, "a\x00b", "²"])
def test_odd_searches_are_refused_or_find_nothing(client, dispatcher, reported, q):
    answer = client.get("/api/v1/incidents", query_string={"q": q}, headers=dispatcher)
    assert answer.status_code in (200, 400)
    if answer.status_code == 200:
        assert answer.get_json()["incidents"] == []


def test_every_branch_of_the_search_is_an_index_scan(conn):
    """At ten million incidents the search must not read them all (issue 24): each
    branch of its OR has an index, so the plan is a BitmapOr and never a Seq Scan."""
    from geo.incidents.store.reads import _search

    clause, values = _search("13800111", with_reporter=True)  # a number, a phone, words
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(conn.execute(text(f"EXPLAIN SELECT id FROM incidents i WHERE {clause}"),
                                  values).scalars())
    assert "BitmapOr" in plan and "Seq Scan" not in plan, plan
    for index in ("uq_incidents_external_id", "ix_incidents_description_pieces",
                  "ix_incidents_address_pieces", "ix_incidents_reporter_digits", "incidents_pkey"):
        assert index in plan, plan


def test_bigrams_are_the_distinct_lower_cased_two_character_pieces(conn):
    def bigrams(t):
        return conn.execute(text("SELECT bigrams(:t)"), {"t": t}).scalar()

    assert bigrams("Ab积水3号ab") == ["ab", "b积", "积水", "水3", "3号", "号a"]
    assert bigrams("积水") == ["积水"]
    assert bigrams("路，东") == ["路，", "，东"]  # punctuation is a character like any other
    assert bigrams("灯") == bigrams("") == []
    assert bigrams(None) is None


def test_runs_of_digits_add_their_four_digit_pieces_and_a_word_asks_those(conn):
    """0024_pieces: a text's pieces are its bigrams and each four-digit piece of a run of
    four digits or more; a word holding such a run asks for its four-digit pieces instead
    of its two-digit ones (a phone's two-digit pieces are in most addresses)."""
    def pieces(function, t):
        return conn.execute(text(f"SELECT {function}(:t)"), {"t": t}).scalar()

    assert pieces("text_pieces", "A栋12345号") == [
        "a栋", "栋1", "12", "23", "34", "45", "5号", "1234", "2345"]
    assert pieces("text_pieces", "3号院12室") == pieces("bigrams", "3号院12室")
    assert pieces("text_pieces", "1212-1212") == ["12", "21", "2-", "-1", "1212"]
    assert pieces("query_pieces", "13800001111") == [
        "1380", "3800", "8000", "0000", "0001", "0011", "0111", "1111"]
    assert pieces("query_pieces", "A栋12345") == ["a栋", "栋1", "1234", "2345"]
    assert pieces("query_pieces", "12号") == pieces("bigrams", "12号") == ["12", "2号"]
    assert pieces("text_pieces", None) is None


@pytest.mark.parametrize("word", ["积水", "违章", "a3", "A3栋"])
def test_a_word_of_two_characters_or_more_is_found_through_the_bigram_index(conn, word):
    """Issue 24: pg_trgm has no piece of a two-character word, so its index returned every
    incident for recheck; the bigram index returns only those holding the word's pieces."""
    from geo.incidents.store.reads import _search

    clause, values = _search(word, with_reporter=False)
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(conn.execute(text(f"EXPLAIN SELECT id FROM incidents i WHERE {clause}"),
                                  values).scalars())
    assert "ix_incidents_description_pieces" in plan and "Seq Scan" not in plan, plan
    assert "ix_incidents_address_pieces" in plan, plan


TEXTS = [  # (description, address)
    ("路面积水严重", "钱粮胡同3号院A3栋"), ("违章搭建", "美术馆后街12号"),
    ("积 水", "a3栋"), ("楼道堆放杂物", "东四北大街，东侧"), ("路灯不亮_50%", "南锣鼓巷5号"),
    ("100%满意", "北河沿大街"), ("雨水口堵塞", None), ("Noise at night", "Gulou W. St."),
    ("来电60001234567反映", "美术馆后街1234号")]
WORDS = ["积水", "违章", "水", "积 水", "a3", "A3栋", "a3栋", "3号", "A", "，东", "街，东侧",
         "_5", "0%", "%", "_", "NOISE", "noise at", "t.", "雨水口", "钱粮胡同3号院", "号院A",
         "没有", "x", "  积水  ", "北河沿大街", "60001234567", "0001234", "1234号", "后街1234",
         "12345", "4567反映", "234", "12号"]


def test_the_answers_are_ilikes_exactly(client, dispatcher, town, conn):
    """The pieces index only narrows: whatever the word (two Chinese characters, Latin and
    digits in any case, across punctuation or a space, LIKE's % and _, one character, runs
    of digits long and short) the
    search finds exactly the incidents whose description or address contains it, as ILIKE
    on the whole table does."""
    ids = []
    for n, (description, address) in enumerate(TEXTS):
        made = report(client, dispatcher, **at(1 + n % 4, 1.5), description=description)
        ids.append(made.get_json()["id"])
        conn.execute(text("UPDATE incidents SET address = :a WHERE id = :id"),
                     {"a": address, "id": ids[-1]})
    conn.commit()
    for word in WORDS:
        q = word.strip()
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        expected = sorted(conn.execute(text(
            "SELECT id FROM incidents WHERE description ILIKE :l OR address ILIKE :l"),
            {"l": like}).scalars())
        assert found(client, dispatcher, word, status="") == expected, word
        # every one is open: over open work (its own pieces indexes) the same answer
        assert found(client, dispatcher, word, status="open") == expected, word
    assert found(client, dispatcher, "积水", status="") == [ids[0]]  # not "积 水"
    assert found(client, dispatcher, "a3栋", status="") == [ids[0], ids[2]]
    assert found(client, dispatcher, "0%", status="") == [ids[4], ids[5]]
    assert found(client, dispatcher, "_5", status="") == [ids[4]]  # _ is not a wildcard
    assert found(client, dispatcher, "水", status="") == sorted([ids[0], ids[2], ids[6]])
    assert found(client, dispatcher, "1234", status="") == [ids[8]]  # description and address
    assert found(client, dispatcher, "12号", status="") == [ids[1]]


def page_of(client, headers, **query) -> dict:
    answer = client.get("/api/v1/incidents", query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_search_reads_its_newest_matches_up_to_the_cap(client, dispatcher, reported,
                                                         monkeypatch, conn):
    """Issue 24: a common word over every status and year is not counted and sorted in
    full; the search reads its SEARCH_CAP newest matches and says when there were more."""
    from geo.incidents.store import reads

    first, second, third = reported
    conn.execute(text("UPDATE incidents SET description = '井盖缺失',"
                      " reported_at = now() - make_interval(days => CAST(:d AS int))"
                      " WHERE id = :id"),
                 [{"id": first, "d": 1}, {"id": second, "d": 10}, {"id": third, "d": 2}])
    conn.commit()
    whole = page_of(client, dispatcher, q="井盖", status="")
    assert (whole["total"], whole["total_capped"]) == (3, False)
    assert [i["id"] for i in whole["incidents"]] == [first, third, second]  # newest first
    monkeypatch.setattr(reads, "SEARCH_CAP", 2)
    capped = page_of(client, dispatcher, q="井盖", status="")
    assert (capped["total"], capped["total_capped"]) == (2, True)  # a lower bound: "2+"
    assert [i["id"] for i in capped["incidents"]] == [first, third]
    # another order ranks the same newest matches; the page never reaches past them
    due = page_of(client, dispatcher, q="井盖", status="", order="due")
    assert sorted(i["id"] for i in due["incidents"]) == [first, third]
    assert page_of(client, dispatcher, q="井盖", status="", offset=2)["incidents"] == []
    # exactly the cap is not "more"; a query without q is never capped
    period = {"from": whole["incidents"][1]["reported_at"][:10]}
    assert page_of(client, dispatcher, q="井盖", **period)["total_capped"] is False
    plain = page_of(client, dispatcher, status="")
    assert (plain["total"], plain["total_capped"]) == (3, False)


@pytest.mark.parametrize("cap, newest", [(1, 1), (2, 2), (3, 3)])
def test_the_newest_matches_are_asked_of_the_newest_days_first(client, dispatcher, reported,
                                                              monkeypatch, conn, cap, newest):
    """A search over every status asks the last 30 days, then every year
    (reads.WINDOWS_DAYS), and stops at the first that holds more than the cap: matches 1,
    40 and 400 days old, under a cap of 1 (found in 30 days), 2 and 3 (in every year; under
    3, not capped) — each time the newest of all, as without the month first."""
    from geo.incidents.store import reads

    ages = dict(zip(reported, (1, 400, 40), strict=True))
    conn.execute(text("UPDATE incidents SET description = '井盖缺失', status = 'closed',"
                      " reported_at = now() - make_interval(days => CAST(:d AS int))"
                      " WHERE id = :id"), [{"id": i, "d": d} for i, d in ages.items()])
    conn.commit()
    by_age = sorted(ages, key=ages.get)
    monkeypatch.setattr(reads, "SEARCH_CAP", cap)
    for status in ("", "closed"):
        answer = page_of(client, dispatcher, q="井盖", status=status)
        assert [i["id"] for i in answer["incidents"]] == by_age[:newest]
        assert (answer["total"], answer["total_capped"]) == (newest, cap < 3)
    monkeypatch.setattr(reads, "WINDOWS_DAYS", (None,))
    assert page_of(client, dispatcher, q="井盖", status="")["incidents"] == answer["incidents"]


def test_the_newest_matches_are_found_without_reading_every_match(conn):
    """A common word is found walking the reported_at index backwards and stops at the cap
    (rows read bounded by it, whatever the history), not by counting every match."""
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    conn.execute(text("SET LOCAL enable_bitmapscan = off"))
    plan = "\n".join(conn.execute(text(
        "EXPLAIN SELECT i.id FROM incidents i WHERE i.description ILIKE '%井盖%'"
        " ORDER BY i.reported_at DESC, i.id DESC LIMIT 10001")).scalars())
    assert "Index Scan Backward using ix_incidents_reported_at" in plan, plan


@pytest.mark.parametrize("size, lang, shown", [
    ("desktop", "zh", "1+ 件：只在最新的 1 件中排列"), ("phone", "en", "1+ found: the newest 1")])
def test_the_console_shows_a_capped_total_as_a_lower_bound(page, town, make_user, monkeypatch,
                                                           size, lang, shown):
    from geo.incidents.store import reads
    from tests.incidents.test_dispatch_page import csp_errors
    from tests.incidents.test_dispatch_page import report as report_on
    from tests.incidents.test_dispatch_pages import open_console

    monkeypatch.setattr(reads, "SEARCH_CAP", 1)
    open_console(page, make_user, size, lang)
    older = report_on(page, 1, 1.5, description="井盖松动")
    newer = report_on(page, 3, 0.5, description="井盖缺失")
    page.select_option("#f-status", "")
    page.fill("#f-q", "井盖")
    page.click("#queue-refresh")
    page.wait_for_function("() => document.querySelector('#queue-total').textContent"
                           ".includes('+')")
    assert page.text_content("#queue-total").startswith(shown)
    assert page.locator(f"#queue-rows tr[data-id='{newer}']").count() == 1
    assert page.locator(f"#queue-rows tr[data-id='{older}']").count() == 0
    assert page.is_disabled("#queue-next")
    folder = Path("/work/shots/search10m")
    if folder.is_dir():
        page.screenshot(path=str(folder / f"capped-{size}-{lang}.png"), full_page=True)
    assert csp_errors(page) == []
