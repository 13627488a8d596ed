"""The staff menu: on a phone folded behind one button, one line high, opening on a tap; on a
desktop one line in either language, administration in a list that drops down."""

from tests.service.test_browser_pages import sign_in


def test_the_staff_menu_folds_on_a_phone_and_stays_one_line_on_a_desktop(browser, live_server,
                                                                        town, make_user):
    name, password = make_user("admin1", "admin")
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    context.route("**/*", lambda r: r.abort() if not r.request.url.startswith(live_server)
                  else r.continue_())
    phone = context.new_page()
    sign_in(phone, name, password, start="/dispatch")
    assert phone.locator("nav").bounding_box()["height"] < 70  # one line, not four
    assert not phone.is_visible("#menu")
    phone.click("#menu-button")
    assert phone.get_attribute("#menu-button", "aria-expanded") == "true"
    assert phone.is_visible("#menu a[href='/dispatch']") and phone.is_visible("#menu button")
    phone.click("#menu-button")
    assert not phone.is_visible("#menu")
    phone.goto("/dispatch?lang=en")
    assert phone.inner_text("#menu-button") == "Menu"
    context.close()

    desktop = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server)
    page = desktop.new_page()
    sign_in(page, name, password, start="/dispatch")
    for lang in ("zh", "en"):  # English names are the longer ones
        page.goto(f"/dispatch?lang={lang}")
        assert not page.is_visible("#menu-button")
        assert page.is_visible("#menu a[href='/dispatch']")
        assert page.locator("nav").bounding_box()["height"] < 70
    # Administration drops down from one entry, and folds again on Escape.
    assert not page.is_visible("#admin-menu a[href='/admin/users']")
    page.click("#admin-button")
    assert page.is_visible("#admin-menu a[href='/admin/categories']")
    page.keyboard.press("Escape")
    assert not page.is_visible("#admin-menu a[href='/admin/users']")
    page.click("#admin-button")
    page.click("#admin-menu a[href='/admin/audit']")
    page.wait_for_url("**/admin/audit")
    desktop.close()
