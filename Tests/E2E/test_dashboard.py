"""The HTML dashboards in a real browser (headless Chromium), against the built server seeded by the real
sentry-sdk: log in, list, search, open an issue and its event, resolve, log out; hostile event data stays text."""
import os
import subprocess
import sys
import time
import urllib.parse

import pytest
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from browser import browser, console_errors, screenshot  # noqa: F401 (fixture)
from conftest import run_sdk, wait_for

SEED = r'''
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="shop@1.2.0", environment="production",
                include_local_variables=True)
sentry_sdk.set_user({"id": "42", "email": "ana@example.com"})

def compute_charge(amount, rate):
    fee = amount * 0.03
    return amount / rate

def checkout(cart):
    sentry_sdk.add_breadcrumb(category="cart", message="checkout started", level="info", data={"items": len(cart)})
    try:
        return compute_charge(sum(cart), 0)
    except ZeroDivisionError as e:
        raise ValueError("could not compute the charge") from e

for i in range(3):
    try:
        checkout([10, 20, i])
    except Exception:
        sentry_sdk.capture_exception()
try:
    {}["missing-key"]
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.capture_message("Payment provider slow", level="warning")
# An event from a web request, as a framework integration would attach it; the server scrubs its secrets.
sentry_sdk.capture_event({
    "message": "Checkout request failed",
    "level": "error",
    "request": {
        "method": "POST",
        "url": "https://shop.example.com/checkout",
        "query_string": "step=pay&coupon=SPRING",
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer secret-token-123",
                    "User-Agent": "Mozilla/5.0"},
        "data": {"card_number": "4242424242424242", "amount": "32.00", "password": "hunter2"},
    },
})
sentry_sdk.flush()
'''

HOSTILE = r'''
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
payload = "<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>"
sentry_sdk.set_tag("evil", "<img src=x onerror=alert(1)>")
sentry_sdk.set_tag("link", "javascript:window.__pwned=3")
sentry_sdk.set_user({"id": "<b>bold</b>", "email": "x@example.com"})
sentry_sdk.add_breadcrumb(category="<script>window.__pwned=4</script>", message=payload,
                          data={"url": "javascript:window.__pwned=5", "html": "<iframe src=javascript:alert(1)>"})
def boom():
    raise RuntimeError(payload)
# A frame whose function name is markup, via a code object renamed at run time.
exec(compile("def evil():\n    boom()\n", "<img src=x onerror=window.__pwned=6>.py", "exec"))
evil.__code__ = evil.__code__.replace(co_name="<svg onload=window.__pwned=7>")
try:
    evil()
except RuntimeError:
    sentry_sdk.capture_exception()
sentry_sdk.capture_message(payload)
sentry_sdk.flush()
'''


def run_sdk_file(server, tmp_path, script, name="shop.py"):
    """Runs the SDK script from a file, so frames carry source context as they do in a real application."""
    path = tmp_path / name
    path.write_text(script)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                         env=dict(os.environ, FAULTLINE_DSN=server.dsn))
    assert out.returncode == 0, out.stderr


def wait(driver, condition, timeout=15):
    return WebDriverWait(driver, timeout).until(condition)


def text(driver, selector):
    """The element's text, or "" while the page is being redrawn."""
    try:
        return driver.find_element(By.CSS_SELECTOR, selector).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def css(driver, selector, timeout=15):
    return wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, selector)), timeout)


def login(driver, server):
    driver.get(server.url + "/")
    css(driver, "#email").send_keys(server.login)
    driver.find_element(By.ID, "password").send_keys(server.password)
    driver.find_element(By.ID, "login-submit").click()
    css(driver, ".issue-row, #empty-setup, #empty-list")


def issue_titles(driver):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".issue-link")]


def wait_for_issues(server, count):
    assert wait_for(lambda: len(server.api("/api/0/organizations/faultline/issues/?query=")[1]) >= count, timeout=15)


def test_login_triage_and_logout(server, browser, tmp_path):
    run_sdk_file(server, tmp_path, SEED)
    wait_for_issues(server, 3)
    d = browser

    # Not logged in: any page sends to the login form, which remembers where the user was going.
    d.get(server.url + "/organizations/faultline/issues/?query=is:unresolved")
    css(d, "#email")
    assert d.current_url.startswith(server.url + "/auth/login/?next=")
    d.find_element(By.ID, "email").send_keys(server.login)
    d.find_element(By.ID, "password").send_keys("not the password")
    d.find_element(By.ID, "login-submit").click()
    wait(d, lambda d: "Invalid email or password" in text(d, ".login .error-box"))
    d.find_element(By.ID, "password").clear()
    d.find_element(By.ID, "password").send_keys(server.password)
    d.find_element(By.ID, "login-submit").click()
    css(d, ".issue-row")
    assert urllib.parse.urlparse(d.current_url).path == "/organizations/faultline/issues/"
    titles = issue_titles(d)
    assert any(t.startswith("ValueError: could not compute the charge") for t in titles), titles
    assert any(t.startswith("KeyError") for t in titles) and "Payment provider slow" in titles
    assert "Checkout request failed" in titles
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, ".issue-row") if "ValueError" in r.text)
    assert "3" in row.find_element(By.CSS_SELECTOR, ".num").text
    assert row.find_elements(By.CSS_SELECTOR, ".spark rect")
    assert "first seen just now" in row.text

    # Search: the query goes into the URL and filters the list.
    box = d.find_element(By.ID, "search")
    box.clear()
    box.send_keys("is:unresolved KeyError", Keys.ENTER)
    wait(d, lambda d: "KeyError" in urllib.parse.unquote_plus(d.current_url) and len(issue_titles(d)) == 1)
    assert issue_titles(d)[0].startswith("KeyError")
    d.back()
    wait(d, lambda d: len(issue_titles(d)) == 4)
    level = d.find_element(By.ID, "filter-level")
    level.find_element(By.CSS_SELECTOR, "option[value=warning]").click()
    wait(d, lambda d: issue_titles(d) == ["Payment provider slow"])
    d.get(server.url + "/organizations/faultline/issues/")
    css(d, ".issue-row")

    # The issue page: exception chain, in-app frames with context, breadcrumbs.
    next(e for e in d.find_elements(By.CSS_SELECTOR, ".issue-link") if "ValueError" in e.text).click()
    css(d, "#event-exception")
    assert d.find_element(By.ID, "issue-title").text.startswith("ValueError")
    types = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".exc-type")]
    assert types == ["ValueError", "ZeroDivisionError"], types
    frames = d.find_elements(By.CSS_SELECTOR, "details.frame.in-app-frame[open]")
    assert frames, "in-app frames are expanded"
    functions = [f.find_element(By.CSS_SELECTOR, "summary").text for f in frames]
    assert any("compute_charge" in f for f in functions) and any("checkout" in f for f in functions), functions
    active = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#event-exception .context li.active")]
    assert any("return amount / rate" in a for a in active), active
    assert d.find_elements(By.CSS_SELECTOR, "#event-exception .vars"), "local variables are shown"
    crumbs = d.find_element(By.ID, "event-breadcrumbs").text
    assert "checkout started" in crumbs and "cart" in crumbs
    assert "ana@example.com" in d.find_element(By.ID, "event-user").text
    assert d.find_element(By.ID, "count-events").text == "3"
    # Raw and full views of the trace.
    d.find_element(By.CSS_SELECTOR, ".trace-toggle button[data-mode=raw]").click()
    assert "Traceback (most recent call last)" in css(d, "#raw-trace").text
    # Older / newer navigation between the issue's events.
    d.find_element(By.ID, "event-older").click()
    wait(d, lambda d: "/events/" in d.current_url)
    css(d, "#event-newer")
    assert d.find_element(By.ID, "event-newer").tag_name == "a"

    # The request of a web event, with its secrets scrubbed by the server before storing.
    value_error_page = d.current_url
    d.find_element(By.LINK_TEXT, "← Issues").click()
    css(d, ".issue-row")
    next(e for e in d.find_elements(By.CSS_SELECTOR, ".issue-link") if e.text == "Checkout request failed").click()
    request = css(d, "#event-request").text
    assert "POST" in request and "https://shop.example.com/checkout" in request and "step=pay&coupon=SPRING" in request
    assert "[Filtered]" in request and "secret-token-123" not in request and "hunter2" not in request
    assert "4242424242424242" not in request and "32.00" in request
    # The link in the request is text, not a link.
    assert not d.find_elements(By.CSS_SELECTOR, "#event-request a")
    d.get(value_error_page)
    css(d, "#event-exception")

    # The raw JSON link opens the stored event with the session (no token in the page).
    raw_link = d.find_element(By.ID, "event-json").get_attribute("href")
    assert raw_link.startswith(server.url + "/api/0/projects/faultline/default/events/") and raw_link.endswith("/json/")
    issue_page = d.current_url
    d.get(raw_link)
    assert '"exception"' in d.find_element(By.TAG_NAME, "body").text
    d.get(issue_page)
    css(d, "#event-exception")

    # The frequency chart switches to 30 days; the grouping explanation loads when opened.
    assert len(d.find_elements(By.CSS_SELECTOR, "#frequency .chart rect")) == 24
    d.find_element(By.CSS_SELECTOR, "#frequency button[data-period='30d']").click()
    assert len(d.find_elements(By.CSS_SELECTOR, "#frequency .chart rect")) == 30
    d.find_element(By.CSS_SELECTOR, "#grouping summary").click()
    wait(d, lambda d: "Grouped by" in text(d, "#grouping"))
    assert "stacktrace" in text(d, "#grouping") or "exception" in text(d, "#grouping")
    assert "in-app" in text(d, "#grouping .variant-reason"), "the explanation says why that variant"

    # Resolve, and the status holds after a reload; the activity log says so.
    d.execute_script("window.scrollTo(0, 0)")  # the sticky top bar would take a click scrolled under it
    d.find_element(By.ID, "action-resolve").click()
    wait(d, lambda d: text(d, "#issue-status") == "resolved")
    d.refresh()
    wait(d, lambda d: text(d, "#issue-status") == "resolved")
    assert "Resolved" in text(d, "#activity")
    issue_id = d.current_url.split("/issues/")[1].split("/")[0]
    assert server.api(f"/api/0/issues/{issue_id}/")[1]["status"] == "resolved"
    # Unresolve, then ignore for 30 minutes.
    d.find_element(By.ID, "action-unresolve").click()
    wait(d, lambda d: text(d, "#issue-status") == "unresolved")
    css(d, "#action-ignore option[value='30m']").click()
    wait(d, lambda d: text(d, "#issue-status") == "ignored")
    details = server.api(f"/api/0/issues/{issue_id}/")[1]["statusDetails"]
    assert details.get("ignoreDuration") == 30 and "until" in text(d, ".issue-header .ids")

    # A tag value links to the issues with that tag.
    next(a for a in d.find_elements(By.CSS_SELECTOR, "#tags a") if a.text == "production").click()
    wait(d, lambda d: 'environment:"production"' in urllib.parse.unquote_plus(d.current_url))
    css(d, ".issue-row")
    assert len(issue_titles(d)) == 4, issue_titles(d)

    # Log out: back to the login form, and the pages ask for it again.
    d.find_element(By.ID, "logout").click()
    css(d, "#email")
    d.get(server.url + "/organizations/faultline/issues/")
    css(d, "#email")
    assert "/auth/login/" in d.current_url
    errors = [e for e in console_errors(d) if "/api/0/auth/login/" not in e["message"]]
    assert not errors, errors


def test_hostile_event_data_is_text(server, browser, tmp_path):
    run_sdk_file(server, tmp_path, HOSTILE)
    wait_for_issues(server, 2)
    d = browser
    login(d, server)
    titles = issue_titles(d)
    assert any("<img src=x onerror=window.__pwned=1>" in t for t in titles), titles
    for link in [e.get_attribute("href") for e in d.find_elements(By.CSS_SELECTOR, ".issue-link")]:
        d.get(link)
        css(d, "#event")
        time.sleep(0.3)
        # Every section of the event, the raw trace too.
        for toggle in d.find_elements(By.CSS_SELECTOR, ".trace-toggle button[data-mode=raw]"):
            toggle.click()
        page = d.find_element(By.TAG_NAME, "main").text
        assert "<script>window.__pwned=2</script>" in page or "<img src=x onerror=window.__pwned=1>" in page
        with pytest.raises(NoAlertPresentException):
            d.switch_to.alert.text
        assert d.execute_script("return window.__pwned === undefined")
        assert not d.find_elements(By.CSS_SELECTOR, "main img[src=x], main script, main iframe, main svg[onload]")
        hrefs = [a.get_attribute("href") or "" for a in d.find_elements(By.CSS_SELECTOR, "main a")]
        assert not [h for h in hrefs if h.lower().startswith("javascript:")], hrefs
    tags = d.find_element(By.ID, "event-tags").text if d.find_elements(By.ID, "event-tags") else ""
    assert "<img src=x onerror=alert(1)>" in tags or "javascript:" in tags
    assert not console_errors(d)


def test_keyboard_and_bulk_resolve(server, browser):
    run_sdk(server.dsn, SEED)
    wait_for_issues(server, 4)
    d = browser
    login(d, server)
    css(d, ".issue-row")
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".issue-row.cursor")) == 1)
    first = d.find_element(By.CSS_SELECTOR, ".issue-row.cursor").get_attribute("data-issue-id")
    d.switch_to.active_element.send_keys("j")
    second = d.find_element(By.CSS_SELECTOR, ".issue-row.cursor").get_attribute("data-issue-id")
    assert first != second
    d.switch_to.active_element.send_keys("k")
    assert d.find_element(By.CSS_SELECTOR, ".issue-row.cursor").get_attribute("data-issue-id") == first
    d.switch_to.active_element.send_keys("x")
    assert d.find_element(By.CSS_SELECTOR, ".issue-row.cursor input[type=checkbox]").is_selected()
    d.switch_to.active_element.send_keys("/")
    assert d.switch_to.active_element.get_attribute("id") == "search"
    # Bulk: select all, resolve; the unresolved list empties.
    d.find_element(By.CSS_SELECTOR, ".list-head input[type=checkbox]").click()
    d.find_element(By.CSS_SELECTOR, ".bulk button[data-status=resolved]").click()
    css(d, "#empty-list")
    status, issues = server.api("/api/0/organizations/faultline/issues/?query=is:resolved")
    assert status == 200 and len(issues) == 4
    # "Any status" lists them again, each with its badge.
    d.find_element(By.CSS_SELECTOR, "#filter-status option[value='']").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".issue-row .badge.resolved")) == 4)
    assert "query=&" in d.current_url or d.current_url.endswith("query=")


def test_empty_project_shows_its_dsn_and_a_snippet(server, browser):
    d = browser
    login(d, server)
    box = css(d, "#empty-setup")
    assert server.dsn in box.find_element(By.CSS_SELECTOR, "input").get_attribute("value")
    assert "sentry_sdk.init(" in box.find_element(By.CSS_SELECTOR, "pre").text


def test_projects_and_settings(server, browser):
    run_sdk(server.dsn, SEED)
    wait_for_issues(server, 3)
    d = browser
    login(d, server)
    d.find_element(By.LINK_TEXT, "Projects").click()
    card = css(d, ".card[data-project=default]")
    wait(d, lambda d: text(d, ".card[data-project=default] .unresolved-count") == "4")
    assert card.find_elements(By.CSS_SELECTOR, ".spark rect")
    # Create a project in the UI: it lands on its settings, with a DSN.
    d.find_element(By.ID, "new-project-name").send_keys("Checkout API")
    d.find_element(By.CSS_SELECTOR, "#new-project button[type=submit]").click()
    dsn = css(d, ".dsn-value")
    assert "/settings/faultline/projects/checkout-api/" in d.current_url
    assert dsn.get_attribute("value").startswith("http://")
    # Disable the key, then enable it again.
    d.find_element(By.CSS_SELECTOR, ".toggle-key").click()
    wait(d, lambda d: text(d, ".key .badge") == "disabled")
    keys = server.api("/api/0/projects/faultline/checkout-api/keys/")[1]
    assert keys[0]["isActive"] is False
    d.find_element(By.CSS_SELECTOR, ".toggle-key").click()
    wait(d, lambda d: text(d, ".key .badge") == "enabled")
    # SDK snippets switch.
    d.find_element(By.CSS_SELECTOR, "button[data-sdk=go]").click()
    assert "sentry.Init" in d.find_element(By.ID, "snippet").text
    # A fingerprint rule is saved and read back; a bad one is refused with the reason.
    rules = d.find_element(By.ID, "opt-fingerprinting")
    rules.send_keys("error.type:ValueError -> value-errors")
    d.find_element(By.CSS_SELECTOR, "#settings-fingerprinting button[type=submit]").click()
    wait(d, lambda d: server.api("/api/0/projects/faultline/checkout-api/")[1]["fingerprintingRules"] == "error.type:ValueError -> value-errors")
    # Grouping: the strategy chosen from the list (its changelog shown) and a stack-trace rule, saved together; a bad
    # rule is refused with the line named.
    d.refresh()
    from selenium.webdriver.support.ui import Select
    Select(css(d, "#opt-grouping-config")).select_by_value("faultline:2026-12-03")
    assert "native" in d.find_element(By.ID, "grouping-changelog").text
    stack_rules = d.find_element(By.ID, "opt-stack-trace-rules")
    stack_rules.send_keys("stack.module:vendor.* -app")
    d.find_element(By.CSS_SELECTOR, "#settings-grouping button[type=submit]").click()
    project_url = "/api/0/projects/faultline/checkout-api/"
    wait(d, lambda d: server.api(project_url)[1]["groupingEnhancements"] == "stack.module:vendor.* -app")
    assert server.api(project_url)[1]["groupingConfig"] == "faultline:2026-12-03"
    d.refresh()
    stack_rules = css(d, "#opt-stack-trace-rules")
    assert stack_rules.get_attribute("value") == "stack.module:vendor.* -app"
    stack_rules.send_keys("\nfunction:x -frobnicate")
    d.find_element(By.CSS_SELECTOR, "#settings-grouping button[type=submit]").click()
    wait(d, lambda d: "line 2" in text(d, "#stack-trace-rules-error"))
    # Choosing another strategy says what saving it does.
    Select(css(d, "#opt-grouping-config")).select_by_value("faultline:2026-11")
    assert "90 days" in text(d, "#grouping-switch-note")
    assert server.api(project_url)[1]["groupingEnhancements"] == "stack.module:vendor.* -app"
    screenshot(d, "settings-grouping")
    # Performance detectors: one turned off and a threshold changed; an out-of-range value is refused and changes nothing.
    configure = "/api/0/projects/faultline/checkout-api/performance-issues/configure/"
    # (Saving the rules redraws the page: load it afresh rather than race the redraw.)
    d.refresh()
    css(d, "#performance-settings input[data-setting=consecutive_db_queries_detection_enabled]").click()
    slow = d.find_element(By.CSS_SELECTOR, "#performance-settings input[data-setting=slow_db_query_duration_threshold]")
    slow.clear()
    slow.send_keys("1500")
    d.find_element(By.CSS_SELECTOR, "#performance-settings button[type=submit]").click()
    wait(d, lambda d: server.api(configure)[1]["slow_db_query_duration_threshold"] == 1500)
    assert server.api(configure)[1]["consecutive_db_queries_detection_enabled"] is False
    slow.clear()
    slow.send_keys("5")
    d.find_element(By.CSS_SELECTOR, "#performance-settings button[type=submit]").click()
    wait(d, lambda d: "slow_db_query_duration_threshold" in d.find_element(By.TAG_NAME, "body").text)
    assert server.api(configure)[1]["slow_db_query_duration_threshold"] == 1500
    # The apdex threshold: saved through Sentry's route; a value that is not a multiple of 100 is refused.
    threshold = "/api/0/projects/faultline/checkout-api/transaction-threshold/configure/"
    apdex = css(d, "#apdex-threshold")
    assert apdex.get_attribute("value") == "300"
    apdex.clear()
    apdex.send_keys("800")
    d.find_element(By.CSS_SELECTOR, "#transaction-threshold button[type=submit]").click()
    wait(d, lambda d: server.api(threshold)[1]["threshold"] == "800")
    apdex.clear()
    apdex.send_keys("250")
    d.find_element(By.CSS_SELECTOR, "#transaction-threshold button[type=submit]").click()
    wait(d, lambda d: "multiple of 100" in d.find_element(By.TAG_NAME, "body").text)
    assert server.api(threshold)[1]["threshold"] == "800"
    # (The refused requests are the console entries: the browser logs every 4xx response.)
    assert not [e for e in console_errors(d) if "performance-issues/configure" not in e["message"]
                and "transaction-threshold/configure" not in e["message"] and "checkout-api/ -" not in e["message"]]


PAGES = [
    ("issues", "/organizations/faultline/issues/", ".issue-row"),
    ("issue", None, "#event-exception"),
    ("event-oldest", None, "#event-exception"),
    ("projects", "/organizations/faultline/projects/", ".card .spark"),
    ("settings", "/settings/projects/default/", ".dsn-value"),
]


@pytest.mark.parametrize("width", [1920, 1280, 390])
def test_every_page_fits_and_is_saved_as_a_screenshot(server, browser, tmp_path, width):
    """Screenshots under .build/screenshots/ at 1280 and 390 px; no page scrolls sideways (down to 360 px)."""
    run_sdk_file(server, tmp_path, SEED)
    wait_for_issues(server, 3)
    d = browser
    d.set_window_size(width, 900)
    d.get(server.url + "/auth/login/")
    css(d, "#email")
    screenshot(d, "login")
    login(d, server)
    issue = next(i for i in server.api("/api/0/organizations/faultline/issues/")[1] if i["title"].startswith("ValueError"))
    paths = {"issue": f"/organizations/faultline/issues/{issue['id']}/",
             "event-oldest": f"/organizations/faultline/issues/{issue['id']}/events/oldest/"}
    for name, path, ready in PAGES:
        for check_width in ([width, 360] if width < 400 else [width]):
            d.set_window_size(check_width, 900)
            d.get(server.url + (path or paths[name]))
            css(d, ready)
            time.sleep(0.2)
            overflow = d.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {check_width}px"
        d.set_window_size(width, 900)
        d.get(server.url + (path or paths[name]))
        css(d, ready)
        time.sleep(0.2)
        if width != 1920:
            assert screenshot(d, name).stat().st_size > 5000
    if width == 1280:
        # Dark mode (prefers-color-scheme) for the two main pages, and an error state.
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        for name in ["issues", "issue"]:
            d.set_window_size(width, 900)
            d.get(server.url + (dict((n, p) for n, p, _ in PAGES).get(name) or paths[name]))
            css(d, ".issue-row" if name == "issues" else "#event-exception")
            background = d.execute_script("return getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(21, 19, 29)", background
            screenshot(d, name + "-dark")
        d.get(server.url + "/organizations/faultline/issues/999999/")
        assert "Issue not found" in css(d, "main .error-box").text
    assert [e for e in console_errors(d) if "999999" not in e["message"]] == []
