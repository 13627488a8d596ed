"""The QR sheet: two buildings of the same name can be told apart on their cards."""

import pytest
from flask_babel import refresh
from sqlalchemy import text

from tests.support.auth import login

pytestmark = pytest.mark.town("incidents")


def test_cards_carry_the_address_and_the_code_in_the_pages_language(client, town, conn,
                                                                   make_user):
    conn.execute(text("UPDATE buildings SET name = '1号楼' WHERE community_id = :c"),
                 {"c": town["C1"]})
    login(client, *make_user("staff", "viewer"))
    page = client.get("/maps/qr?community=110101001001").get_data(as_text=True)
    cards = page.split('<figure class="qr-card"')[1:]
    assert len(cards) >= 2
    rows = conn.execute(text("SELECT code, address FROM buildings WHERE community_id = :c"
                             " AND grid_id = (SELECT grid_id FROM buildings WHERE"
                             " community_id = :c ORDER BY code LIMIT 1) ORDER BY code"),
                        {"c": town["C1"]}).all()
    for card, (code, address) in zip(cards, rows, strict=False):
        assert "1号楼" in card and code in card and address in card
    assert "扫码找网格员" in page and "Scan" not in page
    refresh()  # the tests' shared app context keeps the locale Babel chose first
    english = client.get("/maps/qr?community=110101001001&lang=en").get_data(as_text=True)
    assert "Scan to find your grid worker" in english and "扫码找网格员" not in english
    assert "Building code" in english
