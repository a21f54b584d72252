"""The alerts page in a real browser: create a rule in the editor (its webhook secret shown once), see it fire in
its history, mute it from the list, and delete it."""
import json
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser import browser, console_errors, screenshot  # noqa: F401 (fixture)
from conftest import Server, run_sdk, wait_for
from test_alerts import Receiver
from test_dashboard import css, login, text, wait


def test_alert_rules_page(tmp_path, browser):
    receiver = Receiver()
    server = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8"])
    try:
        d = browser
        login(d, server)
        d.find_element(By.LINK_TEXT, "Alerts").click()
        css(d, "#no-rules")
        d.find_element(By.ID, "new-rule").click()
        css(d, "#rule-form")
        d.find_element(By.ID, "rule-name").send_keys("Payment failures")
        assert d.find_element(By.ID, "when-first-seen").is_selected(), "new issues by default"
        d.find_element(By.ID, "filter-tag-key").send_keys("payment.failed")
        d.find_element(By.ID, "action-webhooks").send_keys(receiver.url)
        screenshot(d, "alert-editor")
        d.find_element(By.ID, "rule-save").click()
        notice = css(d, "#secret-notice")
        assert receiver.url in notice.text and len(notice.text.split(": ")[-1].strip()) == 64
        rule_url = d.current_url
        rules = json.loads(server.request("GET", "/api/0/projects/faultline/default/rules/",
                                          headers={"Authorization": f"Bearer {server.token}"})[2])
        assert [r["name"] for r in rules] == ["Payment failures"]
        assert rules[0]["filters"][0]["key"] == "payment.failed"

        run_sdk(server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
sentry_sdk.set_tag("payment.failed", "declined")
sentry_sdk.capture_message("card declined")
sentry_sdk.flush()
""")
        assert wait_for(lambda: receiver.requests, timeout=10)
        d.get(rule_url)
        wait(d, lambda d: "delivered" in text(d, "#rule-history"))
        assert "first seen" in text(d, "#rule-history") and "1 attempt" in text(d, "#rule-history")
        assert not d.find_elements(By.ID, "secret-notice"), "the secret is shown once"
        screenshot(d, "alert-rule")

        d.find_element(By.LINK_TEXT, "← Alert rules").click()
        css(d, ".rules")
        d.find_element(By.CSS_SELECTOR, ".toggle-mute").click()
        wait(d, lambda d: text(d, ".rules .badge") == "muted")
        screenshot(d, "alerts")
        d.get(rule_url)
        css(d, "#rule-delete").click()
        d.switch_to.alert.accept()
        css(d, "#no-rules")
        assert not console_errors(d)
    finally:
        server.stop()
        receiver.close()


def test_metric_alerts_page(tmp_path, browser):
    """A p95 rule made in the editor, raised to warning by real SDK transactions, then muted and deleted."""
    receiver = Receiver()
    server = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8", "--test-clock"])
    try:
        d = browser
        login(d, server)
        d.find_element(By.LINK_TEXT, "Alerts").click()
        css(d, "#no-metric-rules")
        d.find_element(By.ID, "new-metric-rule").click()
        css(d, "#metric-form")
        d.find_element(By.ID, "metric-name").send_keys("Slow checkout")
        Select(d.find_element(By.ID, "metric-aggregate")).select_by_value("p95(transaction.duration)")
        assert text(d, "#critical-trigger .unit") == "ms"
        d.find_element(By.ID, "metric-query").send_keys("transaction:checkout")
        Select(d.find_element(By.ID, "metric-window")).select_by_value("5")
        d.find_element(By.ID, "critical-threshold").send_keys("2000")
        d.find_element(By.ID, "critical-webhooks").send_keys(receiver.url)
        d.find_element(By.ID, "warning-threshold").send_keys("1000")
        d.find_element(By.ID, "warning-webhooks").send_keys(receiver.url)
        screenshot(d, "metric-alert-editor")
        d.find_element(By.ID, "metric-save").click()
        notice = css(d, "#secret-notice")
        assert receiver.url in notice.text and len(notice.text.split(": ")[-1].strip()) == 64
        assert text(d, "#metric-state .badge") == "ok"
        rule_url = d.current_url
        rules = json.loads(server.request("GET", "/api/0/organizations/faultline/alert-rules/",
                                          headers={"Authorization": f"Bearer {server.token}"})[2])
        assert [(r["aggregate"], r["timeWindow"], r["query"]) for r in rules] == [("p95(transaction.duration)", 5, "transaction:checkout")]
        assert [(t["label"], t["alertThreshold"]) for t in rules[0]["triggers"]] == [("critical", 2000), ("warning", 1000)]

        run_sdk(server.dsn, """
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0)
for ms in (100, 120, 1500):
    end = time.time()
    t = sentry_sdk.start_transaction(name="checkout", op="http.server", start_timestamp=end - ms / 1000)
    t.finish(end_timestamp=end)
sentry_sdk.flush()
""")
        assert wait_for(lambda: receiver.requests, timeout=10)
        d.get(rule_url)
        wait(d, lambda d: "delivered" in text(d, "#metric-history"))
        assert text(d, "#metric-state .badge") == "warning" and "1.5" in text(d, "#metric-state")  # within 2 %
        assert "ok → warning" in text(d, "#metric-history") and "threshold 1.00 s" in text(d, "#metric-history")
        assert not d.find_elements(By.ID, "secret-notice"), "the secret is shown once"
        screenshot(d, "metric-alert-rule")

        d.find_element(By.ID, "metric-muted").click()
        d.find_element(By.ID, "metric-save").click()
        wait(d, lambda d: "saved" in text(d, ".toast").lower() or d.find_element(By.ID, "metric-muted").is_selected())
        d.find_element(By.LINK_TEXT, "← Alert rules").click()
        wait(d, lambda d: text(d, "#metric-rules .badge") == "muted")
        screenshot(d, "alerts-with-metric")
        d.get(rule_url)
        css(d, "#metric-delete").click()
        d.switch_to.alert.accept()
        css(d, "#no-metric-rules")
        assert not console_errors(d)
    finally:
        server.stop()
        receiver.close()
