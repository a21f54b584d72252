"""Issue alert rules end to end: rules made over the API, events from the real sentry-sdk, deliveries to a local
webhook receiver (signed with HMAC-SHA256), retries, refusals and the firing history."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import Server, faultline, run_sdk, wait_for

FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
REGRESSION = "sentry.rules.conditions.regression_event.RegressionEventCondition"
FREQUENCY = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"


class Receiver:
    """A local webhook endpoint that records what arrives and answers with the statuses it is given."""

    def __init__(self, statuses=(), port=0):
        self.requests = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "at": time.time()})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def alert_server(tmp_path):
    s = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8"])
    yield s
    s.stop()


def call(server, method, path, body=None):
    status, _, raw = server.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                                    headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def make_rule(server, **fields):
    rule = {"name": "New errors", "actionMatch": "any", "frequency": 30, "conditions": [{"id": FIRST_SEEN}],
            "actions": [], **fields}
    status, body = call(server, "POST", "/api/0/projects/faultline/default/rules/", rule)
    assert status == 201, body
    return body


def verify(request, secret):
    header = request["headers"]["Faultline-Signature"]
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts["v1"], expected) and abs(time.time() - int(parts["t"])) < 60


def history(server, rule_id):
    return call(server, "GET", f"/api/0/projects/faultline/default/rules/{rule_id}/history/")[1]


def test_new_issue_fires_one_signed_webhook(alert_server, receiver):
    rule = make_rule(alert_server, actions=[{"id": "webhook", "url": receiver.url}])
    secret = rule["actions"][0]["secret"]
    assert len(secret) == 64
    # Shown once: reading the rule again does not reveal it.
    assert "secret" not in call(alert_server, "GET", f"/api/0/projects/faultline/default/rules/{rule['id']}/")[1]["actions"][0]
    # 50 events of one new issue, sent together: one firing.
    run_sdk(alert_server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="shop@2.0", environment="production")
for i in range(50):
    try:
        raise LookupError("stock row missing")
    except LookupError:
        sentry_sdk.capture_exception()
sentry_sdk.flush()
""")
    assert wait_for(lambda: receiver.requests, timeout=10)
    time.sleep(1.5)
    assert len(receiver.requests) == 1, [r["body"][:80] for r in receiver.requests]
    request = receiver.requests[0]
    assert verify(request, secret)
    payload = json.loads(request["body"])
    assert payload["trigger"] == "first_seen" and payload["rule"]["name"] == "New errors"
    assert payload["issue"]["title"].startswith("LookupError") and payload["project"]["slug"] == "default"
    assert payload["event"]["release"] == "shop@2.0" and payload["event"]["environment"] == "production"
    assert payload["issue"]["url"].startswith(alert_server.url + "/organizations/faultline/issues/")
    fired = history(alert_server, rule["id"])
    assert len(fired) == 1 and fired[0]["deliveries"][0]["status"] == "delivered"
    assert fired[0]["deliveries"][0]["attempts"] == 1 and fired[0]["deliveries"][0]["lastStatus"] == 200


def test_failed_deliveries_are_retried_then_succeed(alert_server):
    receiver = Receiver(statuses=[500, 500, 200])
    try:
        rule = make_rule(alert_server, actions=[{"id": "webhook", "url": receiver.url}])
        run_sdk(alert_server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
sentry_sdk.capture_message("retry me")
sentry_sdk.flush()
""")
        assert wait_for(lambda: len(receiver.requests) >= 3, timeout=15)
        assert wait_for(lambda: history(alert_server, rule["id"])[0]["deliveries"][0]["status"] == "delivered", timeout=5)
        delivery = history(alert_server, rule["id"])[0]["deliveries"][0]
        assert delivery["attempts"] == 3 and delivery["lastStatus"] == 200
        time.sleep(1.5)
        assert len(receiver.requests) == 3
        # Backoff: the retries were spaced out, not sent at once.
        assert receiver.requests[2]["at"] - receiver.requests[0]["at"] > 1.5
    finally:
        receiver.close()


def test_private_targets_are_refused_without_the_allow_list(tmp_path):
    receiver = Receiver()
    server = Server(tmp_path)  # no --alerts-allow: loopback is refused
    try:
        make_rule(server, name="to loopback", actions=[{"id": "webhook", "url": receiver.url}])
        run_sdk(server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
sentry_sdk.capture_message("nobody should hear this")
sentry_sdk.flush()
""")

        def first_delivery():
            fired = call(server, "GET", "/api/0/organizations/faultline/alert-history/")[1]
            return fired[0]["deliveries"][0] if fired else None

        assert wait_for(lambda: (first_delivery() or {}).get("status") == "failed", timeout=10)
        delivery = first_delivery()
        assert "loopback or private" in delivery["lastError"] and delivery["attempts"] == 1, "refused, not retried"
        assert receiver.requests == []
    finally:
        server.stop()
        receiver.close()


def test_regression_and_frequency_rules(alert_server, receiver):
    make_rule(alert_server, name="Regressions", conditions=[{"id": REGRESSION}],
              actions=[{"id": "webhook", "url": receiver.url + "/regression"}])
    make_rule(alert_server, name="Busy", conditions=[{"id": FREQUENCY, "value": 10, "interval": "1m"}],
              actions=[{"id": "webhook", "url": receiver.url + "/busy"}])
    script = """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
for i in range(int(os.environ["N"])):
    try:
        raise TimeoutError("payment gateway timed out")
    except TimeoutError:
        sentry_sdk.capture_exception()
sentry_sdk.flush()
"""
    run_sdk(alert_server.dsn, script, extra_env={"N": "10"})
    time.sleep(1.5)
    assert not [r for r in receiver.requests if r["path"] == "/hook/busy"], "10 events are not more than 10"
    run_sdk(alert_server.dsn, script, extra_env={"N": "25"})
    assert wait_for(lambda: [r for r in receiver.requests if r["path"] == "/hook/busy"], timeout=10)
    time.sleep(1.5)
    busy = [r for r in receiver.requests if r["path"] == "/hook/busy"]
    assert len(busy) == 1 and json.loads(busy[0]["body"])["trigger"] == "event_frequency"

    issue = call(alert_server, "GET", "/api/0/projects/faultline/default/issues/")[1][0]
    assert call(alert_server, "PUT", f"/api/0/issues/{issue['id']}/", {"status": "resolved"})[0] == 200
    run_sdk(alert_server.dsn, script, extra_env={"N": "1"})
    assert wait_for(lambda: [r for r in receiver.requests if r["path"] == "/hook/regression"], timeout=10)
    regression = json.loads([r for r in receiver.requests if r["path"] == "/hook/regression"][0]["body"])
    assert regression["trigger"] == "regression" and regression["issue"]["id"] == issue["id"]


def test_rules_api_validates_and_edits(alert_server, receiver):
    status, body = call(alert_server, "POST", "/api/0/projects/faultline/default/rules/",
                        {"name": "x", "conditions": [{"id": "sentry.rules.conditions.nope"}], "actions": [{"id": "webhook", "url": receiver.url}]})
    assert status == 400 and "conditions[0].id" in body["detail"]
    status, body = call(alert_server, "POST", "/api/0/projects/faultline/default/rules/",
                        {"name": "x", "conditions": [{"id": FIRST_SEEN}], "actions": [{"id": "webhook", "url": "ftp://x"}]})
    assert status == 400 and "http or https" in body["detail"]
    rule = make_rule(alert_server, filters=[{"id": "sentry.rules.filters.level.LevelFilter", "match": "gte", "level": "40"},
                                            {"id": "sentry.rules.filters.tagged_event.TaggedEventFilter", "key": "payment.failed", "match": "is"}],
                     actions=[{"id": "webhook", "url": receiver.url}, {"id": "slack", "webhook": receiver.url + "/slack"}])
    assert [f["id"].rsplit(".", 1)[1] for f in rule["filters"]] == ["LevelFilter", "TaggedEventFilter"]
    listed = call(alert_server, "GET", "/api/0/projects/faultline/default/rules/")[1]
    assert [r["id"] for r in listed] == [rule["id"]]
    edited = dict(rule, name="Renamed", actions=[{"id": "webhook", "url": receiver.url}])
    status, body = call(alert_server, "PUT", f"/api/0/projects/faultline/default/rules/{rule['id']}/", edited)
    assert status == 200 and body["name"] == "Renamed" and "secret" not in body["actions"][0], "same URL keeps its secret"
    # The tag filter: an event without `payment.failed` does not fire; one with it does, to the webhook only now.
    run_sdk(alert_server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
sentry_sdk.capture_message("plain failure", level="error")
sentry_sdk.set_tag("payment.failed", "card_declined")
sentry_sdk.capture_message("payment failure", level="error")
sentry_sdk.flush()
""")
    assert wait_for(lambda: receiver.requests, timeout=10)
    time.sleep(1)
    assert [json.loads(r["body"])["event"]["message"] for r in receiver.requests] == ["payment failure"]
    assert call(alert_server, "DELETE", f"/api/0/projects/faultline/default/rules/{rule['id']}/")[0] == 202
    assert call(alert_server, "GET", f"/api/0/projects/faultline/default/rules/{rule['id']}/")[0] == 404


class Mailbox:
    """aiosmtpd (PyPI) as a local SMTP sink."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content})
                return "250 OK"

        import socket
        with socket.socket() as probe:  # a free port (the controller checks readiness by connecting to it)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self):
        self.controller.stop()


def test_email_arrives_with_subject_and_both_parts(tmp_path):
    import email
    from email import policy

    mailbox = Mailbox()
    server = Server(tmp_path, extra_args=["--smtp-url", f"smtp://127.0.0.1:{mailbox.port}", "--smtp-from", "alerts@shop.example"])
    try:
        make_rule(server, name="Mail on-call", actions=[{"id": "email", "targetIdentifier": "oncall@shop.example"}])
        run_sdk(server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="shop@3.1")
try:
    raise PermissionError("<b>denied</b> for tenant acme")
except PermissionError:
    sentry_sdk.capture_exception()
sentry_sdk.flush()
""")
        assert wait_for(lambda: mailbox.messages, timeout=10)
        time.sleep(1)
        assert len(mailbox.messages) == 1
        m = mailbox.messages[0]
        assert m["from"] == "alerts@shop.example" and m["to"] == ["oncall@shop.example"]
        message = email.message_from_bytes(m["data"], policy=policy.default)
        assert message["Subject"] == "[default] PermissionError: <b>denied</b> for tenant acme"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "PermissionError: <b>denied</b>" in text and "shop@3.1" in text and "/organizations/faultline/issues/" in text
        assert "&lt;b&gt;denied&lt;/b&gt;" in html and "<b>denied</b>" not in html
        delivery = call(server, "GET", "/api/0/organizations/faultline/alert-history/")[1][0]["deliveries"][0]
        assert delivery["status"] == "delivered" and delivery["kind"] == "email"
    finally:
        server.stop()
        mailbox.close()


def test_a_restart_keeps_pending_deliveries_and_fires_nothing_twice(tmp_path):
    import socket
    with socket.socket() as probe:  # a port with nobody listening yet: the first attempts fail
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8"])
    url = f"http://127.0.0.1:{port}/hook"
    make_rule(server, name="new", actions=[{"id": "webhook", "url": url}])
    make_rule(server, name="busy", conditions=[{"id": FREQUENCY, "value": 2, "interval": "1h"}], actions=[{"id": "webhook", "url": url}])
    script = """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
for i in range(3):
    sentry_sdk.capture_message("disk almost full")
sentry_sdk.flush()
"""
    run_sdk(server.dsn, script)
    history_of = lambda s: call(s, "GET", "/api/0/organizations/faultline/alert-history/")[1]
    assert wait_for(lambda: len(history_of(server)) == 2 and all(f["deliveries"][0]["attempts"] >= 1 for f in history_of(server)),
                    timeout=10)
    assert all(f["deliveries"][0]["status"] == "pending" for f in history_of(server))
    server.stop()

    receiver = Receiver(port=port)
    try:
        server.start()
        # The pending deliveries go out after the restart, once each.
        assert wait_for(lambda: len(receiver.requests) == 2, timeout=15)
        assert sorted(json.loads(r["body"])["trigger"] for r in receiver.requests) == ["event_frequency", "first_seen"]
        # Three more events: the frequency condition holds again, but the rule fired within its 30 minutes.
        run_sdk(server.dsn, script)
        time.sleep(2)
        assert len(receiver.requests) == 2 and len(history_of(server)) == 2
        assert all(f["deliveries"][0]["status"] == "delivered" for f in history_of(server))
    finally:
        server.stop()
        receiver.close()


def test_cli_rules_reach_a_running_server(alert_server, receiver):
    """The seeds' example: message AUTH_INVALID_TOKEN more than 10 times a minute, made with `faultline alert`."""
    data = str(alert_server.data)
    out = faultline("alert", "create", "--data", data, "--project", "default", "--name", "Auth storms",
                    "--when", "events>10/1m", "--message", "AUTH_INVALID_TOKEN", "--level", "error", "--webhook", receiver.url)
    rule = json.loads(out.stdout)
    assert rule["conditions"][0]["value"] == 10 and len(rule["actions"][0]["secret"]) == 64
    listed = faultline("alert", "list", "--data", data, "--json").stdout
    assert [r["name"] for r in json.loads(listed)] == ["Auth storms"]
    bad = faultline("alert", "create", "--data", data, "--project", "default", "--name", "x", "--when", "events>10/2m",
                    "--webhook", receiver.url, check=False)
    assert bad.returncode != 0 and "conditions[0].interval" in bad.stderr
    time.sleep(5.5)  # the server reloads rules every 5 seconds
    run_sdk(alert_server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
for i in range(11):
    sentry_sdk.capture_message("login refused: AUTH_INVALID_TOKEN", level="error")
sentry_sdk.capture_message("login refused: AUTH_EXPIRED", level="error")
sentry_sdk.flush()
""")
    assert wait_for(lambda: receiver.requests, timeout=10)
    time.sleep(1)
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"])["event"]["message"] == "login refused: AUTH_INVALID_TOKEN"
    assert "deleted alert rule" in faultline("alert", "delete", "--data", data, rule["id"]).stdout
    assert json.loads(faultline("alert", "list", "--data", data, "--json").stdout) == []


def test_a_burst_of_1000_events_fires_a_frequency_rule_once_per_interval(tmp_path, receiver):
    """1,000 events of one issue sent at once (eight connections, so they share group commits): one firing; after the
    5-minute action interval (the test clock, not a sleep) the next burst fires once more."""
    import concurrent.futures
    import urllib.request
    server = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8", "--test-clock"])
    try:
        make_rule(server, name="Busy", frequency=5, conditions=[{"id": FREQUENCY, "value": 100, "interval": "1m"}],
                  actions=[{"id": "webhook", "url": receiver.url}])
        auth = f"Sentry sentry_key={server.key}, sentry_version=7, sentry_client=e2e/1.0"
        body = json.dumps({"platform": "python", "level": "error", "exception": {"values": [
            {"type": "TimeoutError", "value": "payment gateway timed out",
             "stacktrace": {"frames": [{"module": "shop.pay", "function": "charge", "lineno": 3, "in_app": True}]}}]}})

        def send(_):
            req = urllib.request.Request(f"{server.url}/api/{server.project_id}/store/", data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-Sentry-Auth": auth})
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status

        def burst():
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                assert set(pool.map(send, range(1000))) == {200}

        def firings():
            return call(server, "GET", "/api/0/organizations/faultline/alert-history/")[1]

        burst()
        assert wait_for(lambda: len(receiver.requests) == 1, timeout=10)
        issues = call(server, "GET", "/api/0/projects/faultline/default/issues/")[1]
        assert len(issues) == 1 and int(issues[0]["count"]) == 1000
        burst()  # within the interval: nothing more
        status, _ = call(server, "POST", "/api/0/internal/test-clock/", {"advance": 6 * 60})
        assert status == 200 and len(firings()) == 1 and len(receiver.requests) == 1
        burst()
        assert wait_for(lambda: len(receiver.requests) == 2, timeout=10)
        time.sleep(1)
        assert len(receiver.requests) == 2 and [f["trigger"] for f in firings()] == ["event_frequency"] * 2
    finally:
        server.stop()
